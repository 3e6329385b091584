"""Worker and beat heartbeats: `/healthz` reports `worker` or `beat` down when its heartbeat stops.

Every Celery worker records `worker` when it starts and then every `TMUXHUB_HEARTBEAT_SECONDS`.
Beat records `beat` when it starts and schedules the `tmuxhub.beat_heartbeat` task as often, which a
worker runs: a fresh `beat` heartbeat means beat schedules and some worker takes what it sends. Both
live in Django's cache (Redis, or the database when embedded), which every process shares.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings

log = logging.getLogger(__name__)

PROCESSES = ("worker", "beat")
# Missed this many beats in a row: that process is considered gone.
MISSED_BEATS = 3


def _key(process: str) -> str:
    return f"heartbeat:{process}"


def record(process: str) -> None:
    """Note that `process` is alive now. A cache outage is not this process's failure: it only logs."""
    from django.core.cache import cache

    try:
        cache.set(_key(process), time.time(), timeout=None)
    except Exception as exc:  # the health check reports the cache itself
        log.warning("could not record the %s heartbeat: %s", process, exc)


def age(process: str) -> float | None:
    """Seconds since `process` last beat, or None if it never did (or the record expired)."""
    from django.core.cache import cache

    last = cache.get(_key(process))
    return None if last is None else max(0.0, time.time() - float(last))


def describe(process: str) -> str:
    """ "ok (beat 3 s ago)", or raise saying how long `process` has been silent."""
    seconds = age(process)
    limit = MISSED_BEATS * settings.TMUXHUB_HEARTBEAT_SECONDS
    command = f"`tmuxhub {process}`" if settings.REDIS_URL else "`tmuxhub serve`'s embedded worker"
    if seconds is None:
        raise RuntimeError(f"no {process} heartbeat yet: is {command} running?")
    if seconds > limit:
        raise RuntimeError(f"last {process} heartbeat {seconds:.0f} s ago: is {command} running?")
    return f"ok (last heartbeat {seconds:.0f} s ago)"
