"""Throttle windows, scan strikes and bans: in Redis (shared by every process and host), or in this
process's memory when there is no Redis (embedded mode) or Redis stops answering.

Windows are fixed: a counter per (subject, window number) that expires with its window, so one
pipeline round trip both counts a request and says whether the subject is banned.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_MEMORY_KEYS = 200_000


@dataclass(frozen=True)
class Admission:
    banned_for: float  # seconds left on a ban, 0 when not banned
    count: int  # requests in the current window, this one included
    reset_in: float  # seconds until the window ends


def window_key(prefix: str, subject: str, window: int, now: float) -> tuple[str, float]:
    number = int(now // window)
    return f"{prefix}:{subject}:{number}", window - (now - number * window)


class ExpiringDict:
    """Values that expire at a given time (any clock, as long as the caller keeps to one), bounded in
    size: past `MAX_MEMORY_KEYS` the expired entries go, and if that is not enough, all of them."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[Any, float]] = {}

    def get(self, key: str, now: float) -> Any:
        entry = self.items.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self.items[key]
            return None
        return entry[0]

    def expires(self, key: str) -> float:
        return self.items[key][1]

    def put(self, key: str, value: Any, until: float, now: float) -> None:
        if len(self.items) >= MAX_MEMORY_KEYS:
            self.items = {k: v for k, v in self.items.items() if v[1] > now}
            if len(self.items) >= MAX_MEMORY_KEYS:
                self.items.clear()
        self.items[key] = (value, until)


class MemoryStore:
    """Same contract as `RedisStore`, per process. Counts reset when the process restarts."""

    def __init__(self) -> None:
        self._values = ExpiringDict()

    def _get(self, key: str, now: float) -> Any:
        return self._values.get(key, now)

    def _incr(self, key: str, ttl: float, now: float) -> int:
        count = int(self._get(key, now) or 0) + 1
        expires = self._values.expires(key) if count > 1 else now + ttl
        self._values.put(key, count, expires, now)
        return count

    async def admit(self, prefix: str, ip: str, bucket: str, window: int) -> Admission:
        now = time.time()
        reason = self._get(f"{prefix}:ban:{ip}", now)
        banned_for = self._values.expires(f"{prefix}:ban:{ip}") - now if reason else 0.0
        key, reset_in = window_key(f"{prefix}:rate", bucket, window, now)
        count = self._incr(key, reset_in, now)
        return Admission(banned_for, count, reset_in)

    async def strike(self, prefix: str, rule: str, ip: str, window: int) -> int:
        now = time.time()
        key, reset_in = window_key(f"{prefix}:strike:{rule}", ip, window, now)
        return self._incr(key, reset_in, now)

    async def strikes(self, prefix: str, rule: str, ip: str, window: int) -> int:
        now = time.time()
        key, _ = window_key(f"{prefix}:strike:{rule}", ip, window, now)
        return int(self._get(key, now) or 0)

    async def ban(self, prefix: str, ip: str, reason: str, seconds: int) -> None:
        now = time.time()
        self._values.put(f"{prefix}:ban:{ip}", reason, now + seconds, now)


class RedisStore:
    """The shared store. Every call is bounded (tmuxhub/redis.py); on error the caller uses memory."""

    def __init__(self, url: str) -> None:
        from tmuxhub.redis import async_client

        self.client = async_client(url, decode_responses=True)

    async def admit(self, prefix: str, ip: str, bucket: str, window: int) -> Admission:
        key, reset_in = window_key(f"{prefix}:rate", bucket, window, time.time())
        ban_key = f"{prefix}:ban:{ip}"
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.pttl(ban_key)
            pipe.incr(key)
            pipe.expire(key, int(reset_in) + 1)
            ban_ms, count, _ = await pipe.execute()
        return Admission(ban_ms / 1000 if ban_ms > 0 else 0.0, int(count), reset_in)

    async def strike(self, prefix: str, rule: str, ip: str, window: int) -> int:
        key, reset_in = window_key(f"{prefix}:strike:{rule}", ip, window, time.time())
        async with self.client.pipeline(transaction=False) as pipe:
            pipe.incr(key)
            pipe.expire(key, int(reset_in) + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def strikes(self, prefix: str, rule: str, ip: str, window: int) -> int:
        key, _ = window_key(f"{prefix}:strike:{rule}", ip, window, time.time())
        return int(await self.client.get(key) or 0)

    async def ban(self, prefix: str, ip: str, reason: str, seconds: int) -> None:
        await self.client.set(f"{prefix}:ban:{ip}", reason, ex=seconds)

    async def close(self) -> None:
        await self.client.aclose()


def key_prefix() -> str:
    from django.conf import settings

    return f"{settings.INSTANCE_NAME}:abuse"


def lift_ban(ip: str) -> None:
    """Called from admin/CLI when an IP is allow-listed or dismissed: end its ban everywhere now."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    import redis

    from tmuxhub.redis import client

    try:
        client().delete(f"{key_prefix()}:ban:{ip}")
    except redis.RedisError:
        log.warning("could not lift the ban on %s: Redis did not answer; it expires on its own", ip)
