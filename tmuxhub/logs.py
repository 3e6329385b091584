"""Logging helpers for the LOGGING setting: the two formats (TMUXHUB_LOG_FORMAT) and the hold on
repeated errors."""

from __future__ import annotations

import logging
import threading
import time

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter


class _UTCTimes(logging.Formatter):
    """ISO 8601 times in UTC with milliseconds (2026-12-07T20:31:17.123Z), whatever the host's zone."""

    converter = time.gmtime  # type: ignore[assignment]  # typeshed reads gmtime as two overloads
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format: str | None = "%s.%03dZ"


class TextFormatter(_UTCTimes):
    """`<UTC time> <LEVEL> <logger>: <message>`; the further lines of a record (a traceback, a message
    of several lines) are indented, so a shipper joins them by one rule: a record starts at column 0."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", "\n  ")


class JSONFormatter(JsonFormatter, _UTCTimes):
    """One JSON object per line: time, level, logger, message, any `extra` fields, and a traceback
    as `exc_info` (one string, so a record stays one line).

    Two extras are left out: Django's `request` (its repr carries the query string: OAuth codes,
    `?access_token=`) and uvicorn's `color_message` (the message again, with terminal colours)."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            reserved_attrs=[*RESERVED_ATTRS, "request", "color_message"],
        )


class RepeatedErrors(logging.Filter):
    """Lets the first of a run of like warnings and errors through, then one per `interval` seconds.

    "Like" means the same logger, message template and exception type: while the database is down,
    a task or flush failing every second logs its traceback once and then a line a minute saying
    how many like it were held back, not a traceback every second. Debug and info pass untouched.
    """

    MAX_KINDS = 1000

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__()
        self.interval = interval
        self._kinds: dict[tuple[str, str, str], tuple[float, int]] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        exception = record.exc_info[0] if record.exc_info else None
        kind = (record.name, str(record.msg), exception.__name__ if exception else "")
        now = time.monotonic()
        with self._lock:
            last, held = self._kinds.get(kind, (-self.interval, 0))
            if now - last < self.interval:
                self._kinds[kind] = (last, held + 1)
                return False
            if len(self._kinds) >= self.MAX_KINDS:
                self._kinds.clear()
            self._kinds[kind] = (now, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {now - last:.0f} s not logged]"
        return True
