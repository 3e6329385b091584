"""The rate limiter's counting: the Redis store shared by every process, this process's memory as the
one fallback, and a short local memory of refusals so a flood is answered without touching Redis
(except requests that count a strike: a scanner that keeps scanning keeps its ban going).

Per request at most one Redis round trip (`RedisStore.count`, a Lua script, which can also read one
key for the app: `read_key`), plus one after a 404 answer. When Redis fails (a Redis or socket
error: nothing else is caught, so a programming error still surfaces) the limiter counts in memory
for `REDIS_RETRY_SECONDS`, then tries Redis again.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import redis

from .policy import Plan, Verdict
from .store import Ask, Counts, ExpiringDict, MemoryStore, RedisStore, key_prefix

log = logging.getLogger(__name__)

T = TypeVar("T")
REDIS_RETRY_SECONDS = 5.0
REDIS_ERRORS = (redis.RedisError, OSError)


class Limiter:
    def __init__(self, redis_url: str, local_cache_seconds: float) -> None:
        self.prefix = key_prefix()
        self.redis_url = redis_url
        self.local_cache_seconds = local_cache_seconds
        self.memory = MemoryStore()
        self.redis: RedisStore | None = None
        self.redis_down_until = 0.0
        # "ban:<rate key>" or a bucket -> when the refusal ends (wall clock)
        self.refused = ExpiringDict()

    async def count(self, plan: Plan, read_key: str = "") -> Counts:
        """Count the request (or recall, from this process's memory, that it would be refused); with
        `read_key`, `Counts.read` is that key's value when Redis answered."""
        if (known := self.recalled(plan)) is not None:
            return known
        return await self._call(lambda store: store.count(self.prefix, plan.ask, read_key))

    async def strike(self, ask: Ask) -> int:
        return await self._call(lambda store: store.strike(self.prefix, ask))

    def recalled(self, plan: Plan) -> Counts | None:
        """A refusal this process knows of; never for a strike, which must be counted to extend a ban."""
        now = time.monotonic()
        ask = plan.ask
        if ask.strike:
            return None
        if ask.subject and (until := self.refused.get(f"ban:{ask.subject}", now)) is not None:
            return Counts(banned_for=until - time.time(), count=0, reset_in=0.0, strikes=0)
        if (until := self.refused.get(ask.bucket, now)) is not None:
            return Counts(banned_for=0.0, count=sys.maxsize, reset_in=until - time.time(), strikes=0)
        return None

    def remember(self, ask: Ask, verdict: Verdict) -> None:
        """Keep a refusal (a ban briefly: it can be lifted; a full bucket until its window ends)."""
        if verdict.retry_after <= 0 or (verdict.allow and not verdict.banned):
            return
        now = time.monotonic()
        until = time.time() + verdict.retry_after
        if verdict.banned:
            keep = min(verdict.retry_after, self.local_cache_seconds)
            self.refused.put(f"ban:{ask.subject}", until, now + keep, now)
        else:
            self.refused.put(ask.bucket, until, now + verdict.retry_after, now)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()
            self.redis = None

    async def _call(self, operation: Callable[[RedisStore | MemoryStore], Awaitable[T]]) -> T:
        store = self._store()
        if store is self.memory:
            return await operation(self.memory)
        try:
            return await operation(store)
        except REDIS_ERRORS as error:
            self._redis_failed(error)
            with contextlib.suppress(*REDIS_ERRORS):
                await store.close()  # its pool: a new client is made when Redis is tried again
            return await operation(self.memory)

    def _store(self) -> RedisStore | MemoryStore:
        if not self.redis_url or time.monotonic() < self.redis_down_until:
            return self.memory
        if self.redis is None:
            self.redis = RedisStore(self.redis_url)
        return self.redis

    def _redis_failed(self, error: Exception) -> None:
        # Keep serving on local limits; try Redis again in a few seconds.
        if time.monotonic() >= self.redis_down_until:
            log.warning(
                "rate limiter: Redis failed (%s); using this process's limits for %ss",
                error,
                REDIS_RETRY_SECONDS,
            )
        self.redis_down_until = time.monotonic() + REDIS_RETRY_SECONDS
        self.redis = None
