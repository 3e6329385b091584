"""Verified bearer tokens cached in Redis, so a `/mcp` request skips the database (1 to 2 ms of hub CPU).

The entry (what `DjangoTokenVerifier` found, keyed by the token's sha256, never the token) is shared by
every hub process and host, lives at most `TTL` seconds and never past the token's expiry. Revoking
takes effect at once: any change to an access token, its user or the user's allow-list entry (saved,
deleted, also by cascade or a queryset's `delete()`) replaces that user's entries with a tombstone
(the receivers are in `signals.py`, beside the rest of what losing access does),
which sends their next requests to the database and keeps a lookup that raced the change from
caching what it read before it. Without Redis (embedded mode), or when Redis does not answer, every
request asks the database. Changes made with `QuerySet.update()` send no signal: revoke by deleting.

The rate limiter reads the entry in its own Redis round trip, as it counts the request, and hands it
over (`LimiterRead`); the check of that same request then uses it instead of a second round trip.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from contextvars import ContextVar
from functools import cache

import redis
import redis.asyncio
from django.conf import settings
from mcp.server.auth.provider import AccessToken
from oauth2_provider.models import get_access_token_model

import tmuxhub.lib.redis

from .verifier import MAX_TOKEN_LENGTH, DjangoTokenVerifier, HubAccessToken

logger = logging.getLogger(__name__)

TTL = 60
TOMBSTONE = b"-"
# A tombstone outlives any lookup allowed to cache its result (one that took under half of it).
TOMBSTONE_TTL = 10


def _key(checksum: str) -> str:
    return f"{settings.TMUXHUB_INSTANCE}:mcp-token:{checksum}"


# (key, value) the rate limiter read for the request being handled; a context variable, so it is
# this request's alone (each request runs in a task, with a copy of the context, of its own).
_read_by_limiter: ContextVar[tuple[str, bytes] | None] = ContextVar("read_by_limiter", default=None)


class LimiterRead:
    """The rate limiter's side (`abuse.credentials.TokenEntry`): which key to read, and its value."""

    def key(self, token_digest: str) -> str:
        return _key(token_digest)

    def hand_over(self, key: str, value: str) -> None:
        _read_by_limiter.set((key, value.encode()))


async def _cached(key: str) -> bytes | None:
    """The entry at `key`: as the rate limiter read it for this request, else from Redis."""
    read = _read_by_limiter.get()
    if read is not None and read[0] == key:
        _read_by_limiter.set(None)  # once: a later check in the same request asks Redis
        return read[1]
    cached = await _async_client().get(key)
    return cached.encode() if isinstance(cached, str) else cached


@cache
def _async_client() -> redis.asyncio.Redis:
    # One per process: the hub serves /mcp from one event loop.
    return tmuxhub.lib.redis.async_client()


@cache
def _client() -> redis.Redis:
    return tmuxhub.lib.redis.client()


class CachedTokenVerifier(DjangoTokenVerifier):
    async def verify_token(self, token: str) -> AccessToken | None:
        if not settings.REDIS_URL or not token or len(token) > MAX_TOKEN_LENGTH:
            return await super().verify_token(token)
        key = _key(hashlib.sha256(token.encode()).hexdigest())
        try:
            cached = await _cached(key)
        except redis.RedisError:
            return await super().verify_token(token)
        if cached and cached != TOMBSTONE:
            entry = HubAccessToken.model_validate({**json.loads(cached), "token": token})
            if entry.expires_at is not None and entry.expires_at > time.time():
                return entry
        started = time.monotonic()
        found = await super().verify_token(token)
        slow = time.monotonic() - started > TOMBSTONE_TTL / 2
        if found is None or cached == TOMBSTONE or found.expires_at is None or slow:
            return found
        lifetime = min(TTL, int(found.expires_at - time.time()))
        if lifetime > 0:
            stored = found.model_dump_json(exclude={"token"})
            # NX: a tombstone written since our lookup began wins over what the lookup read.
            with contextlib.suppress(redis.RedisError):
                await _async_client().set(key, stored, ex=lifetime, nx=True)
        return found


def forget_user(user_id: int | None) -> None:
    """Tombstone every cached token of this user: their next request is checked in the database."""
    if user_id is None or not settings.REDIS_URL:
        return
    checksums = (
        get_access_token_model().objects.filter(user_id=user_id).values_list("token_checksum", flat=True)
    )
    tombstone(list(checksums))


def tombstone(checksums: list[str]) -> None:
    """Replace these tokens' entries with a tombstone: their next request is checked in the database."""
    if not checksums or not settings.REDIS_URL:
        return
    try:
        with _client().pipeline(transaction=False) as pipe:
            for checksum in checksums:
                pipe.set(_key(checksum), TOMBSTONE, ex=TOMBSTONE_TTL)
            pipe.execute()
    except redis.RedisError:
        logger.error(
            "could not drop %d cached MCP tokens from Redis: a revoked one may keep working for up to %d s",
            len(checksums),
            TTL,
        )
