"""Logging helpers for the LOGGING setting."""

from __future__ import annotations

import logging
import threading
import time


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
