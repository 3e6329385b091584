"""Reading what a pane shows: what is new since an earlier look, where typed text sits, secrets.

Pure functions on lists of lines, so the rules are easy to read and to test without tmux.
"""

from __future__ import annotations

import hashlib
import time
from difflib import SequenceMatcher

import regex
from django.conf import settings

from .exceptions import BridgeError

DIGEST = 4  # bytes per line fingerprint: 2000 lines fit in 8 KB of cache


def fingerprints(lines: list[str]) -> bytes:
    """Stable (cross-process) fingerprints of lines, concatenated."""
    return b"".join(hashlib.blake2b(line.encode(), digest_size=DIGEST).digest() for line in lines)


def split_fingerprints(packed: bytes) -> list[bytes]:
    return [packed[i : i + DIGEST] for i in range(0, len(packed), DIGEST)]


def new_lines(before: bytes, lines: list[str]) -> tuple[list[str], bool]:
    """The lines that were not there before (appended output, redrawn rows), in screen order.

    The second value is True when nothing of the earlier look is left: the output outran the
    window (or the pane was cleared), so some new lines may be missing.
    """
    old = split_fingerprints(before)
    current = split_fingerprints(fingerprints(lines))
    # autojunk keeps this near-linear on panes full of identical lines (blank rows, repeated output).
    matcher = SequenceMatcher(None, old, current)
    fresh: list[str] = []
    kept = False
    for op, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            kept = True
        elif op in ("insert", "replace"):
            fresh.extend(lines[j1:j2])
    while fresh and not fresh[-1]:
        fresh.pop()
    return fresh, bool(old) and bool(lines) and not kept


def cap_bytes(lines: list[str], max_bytes: int | None = None) -> tuple[list[str], bool]:
    """The newest lines that fit in `max_bytes` (TMUXHUB_CAPTURE_MAX_BYTES); True when some were cut."""
    budget = max_bytes or settings.TMUXHUB_CAPTURE_MAX_BYTES
    if len(lines) + 4 * sum(map(len, lines)) <= budget:  # fits even at UTF-8's 4 bytes a character
        return list(lines), False
    kept: list[str] = []
    for line in reversed(lines):
        budget -= len(line.encode()) + 1
        if budget < 0:
            return kept[::-1], True
        kept.append(line)
    return kept[::-1], False


def _squash(text: str) -> str:
    return " ".join(text.split())


def tail_of(text: str, size: int = 16) -> str:
    """The end of the last non-blank line of `text`, whitespace squashed: what an input line shows last."""
    lines = [line for line in text.splitlines() if line.strip()]
    return _squash(lines[-1])[-size:] if lines else ""


def shows(rows: list[str], i: int, tail: str) -> bool:
    """Whether row `i` shows `tail`, also when it wrapped there from the row above."""
    if not 0 <= i < len(rows):
        return False
    here = _squash(rows[i])
    if tail in here or i == 0:
        return tail in here
    above = rows[i - 1]
    return tail not in _squash(above) and tail in _squash(above.rstrip() + rows[i].lstrip())


def row_showing(rows: list[str], tail: str, cursor: int) -> int | None:
    """The row where typed text ending in `tail` sits: the cursor's row if it shows it, else the lowest."""
    if shows(rows, cursor, tail):
        return cursor
    return next((i for i in range(len(rows) - 1, -1, -1) if shows(rows, i, tail)), None)


class LineMatcher:
    """Which lines contain a caller's pattern: a literal substring by default, or a regex.

    Patterns come from callers, so regex matching is bounded in time (the `regex` module's timeout,
    `BUDGET` seconds per call in all): a pathological pattern gets an error instead of pinning a CPU.
    Callers run a regex's `matching` in a worker thread, off the event loop; a literal pattern
    (`is_literal`) matches in linear time and may run on the loop.
    """

    BUDGET = 1.0

    def __init__(self, pattern: str, *, is_regex: bool, ignore_case: bool) -> None:
        flags = regex.IGNORECASE if ignore_case else 0
        self.is_literal = not is_regex
        try:
            self.compiled = regex.compile(pattern if is_regex else regex.escape(pattern), flags)
        except regex.error as exc:
            raise BridgeError(
                f"pattern is not a valid regular expression ({exc}); fix it or set regex=false"
            ) from exc

    def matching(self, lines: list[str]) -> list[int]:
        """Indexes of the lines that match."""
        deadline = time.monotonic() + self.BUDGET
        found = []
        for index, line in enumerate(lines):
            try:
                hit = self.compiled.search(line, timeout=max(0.001, deadline - time.monotonic()))
            except TimeoutError as exc:
                raise BridgeError(
                    "the pattern is too slow to match (catastrophic backtracking); simplify it"
                ) from exc
            if hit is not None:
                found.append(index)
        return found
