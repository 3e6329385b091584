"""Every Redis client tmuxhub opens (cache, rate limits, token cache, health check): one set of bounds.

Each connection attempt and each command waits at most `TMUXHUB_REDIS_TIMEOUT` seconds and is tried
once more right away (a pooled connection that a Redis restart closed reconnects on the retry), so a
Redis that is down or unreachable costs a caller about twice that, never a hang. Clients reconnect by
themselves: nothing needs restarting once Redis is back. The Celery broker's connection is Celery's
(`CELERY_BROKER_*` settings).

Code that cannot do its job without Redis catches `redis.RedisError` and says so with
`unavailable_message`; web requests that fail on it answer 503 with that message
(`UnavailableMiddleware`) instead of a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio
import redis.asyncio.retry
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from redis.backoff import NoBackoff
from redis.retry import Retry


def _bounds() -> dict[str, Any]:
    timeout = settings.TMUXHUB_REDIS_TIMEOUT
    return {"socket_timeout": timeout, "socket_connect_timeout": timeout}


def client(url: str | None = None, **options: Any) -> redis.Redis:
    """A client of `url` (default REDIS_URL); `options` add to the bounds (decode_responses=True...)."""
    return redis.Redis.from_url(
        url or settings.REDIS_URL, retry=Retry(NoBackoff(), 1), **_bounds(), **options
    )


def async_client(url: str | None = None, **options: Any) -> redis.asyncio.Redis:
    """The asyncio twin of `client`, for code on the event loop (/mcp, the rate limiter)."""
    return redis.asyncio.Redis.from_url(
        url or settings.REDIS_URL, retry=redis.asyncio.retry.Retry(NoBackoff(), 1), **_bounds(), **options
    )


class RedisCache(DjangoRedisCache):
    """Django's Redis cache backend (`CACHES`), its connections bounded like every other client's."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = {**_bounds(), "retry": Retry(NoBackoff(), 1), **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})


def where(url: str | None = None) -> str:
    """`host:port` of the Redis at `url` (default REDIS_URL), without credentials."""
    parts = urlsplit(url or settings.REDIS_URL)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def unavailable_message(what: str, exc: BaseException) -> str:
    """Plain words for `what` failing because Redis did not answer."""
    return (
        f"{what} needs Redis, which is not answering at {where()} ({type(exc).__name__}). "
        "It works again by itself once Redis is back; nothing needs restarting."
    )


class UnavailableMiddleware(MiddlewareMixin):
    """A request that fails because Redis is down answers 503 saying so (not a 500 with a traceback).

    JSON in the shape OAuth endpoints use (`/register` is the usual one: its per-IP limit lives in
    the cache), with `Retry-After`.
    """

    RETRY_AFTER_SECONDS = 10

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, redis.RedisError):
            return None
        response = JsonResponse(
            {
                "error": "temporarily_unavailable",
                "error_description": unavailable_message(request.path, exception),
            },
            status=503,
        )
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response
