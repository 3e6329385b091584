"""Reading the hub's text log (tmuxhub.logs.TextFormatter: `<UTC time> <LEVEL> <logger>: <message>`),
one record at a time: a record's traceback spans many lines, a chained one shows several "Traceback"."""

from __future__ import annotations

import re

RECORD_START = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", re.MULTILINE
)
PROBLEM_LEVELS = frozenset({"WARNING", "ERROR", "CRITICAL"})


def _leveled(log: str) -> list[tuple[str, str]]:
    """(level, record) for each record, the record with the lines that follow it (its traceback)."""
    found = list(RECORD_START.finditer(log))
    ends = [match.start() for match in found[1:]] + [len(log)]
    return [(match[1], log[match.start() : end]) for match, end in zip(found, ends, strict=True)]


def records(log: str) -> list[str]:
    return [record for _, record in _leveled(log)]


def problems(log: str) -> list[str]:
    """The warning, error and critical records of the log."""
    return [record for level, record in _leveled(log) if level in PROBLEM_LEVELS]
