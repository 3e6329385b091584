"""capture_since's read marks: what each user last saw of each pane.

Kept in Django's cache (Redis in production, the database when embedded), never in process memory,
so any worker or host answers the next read alike. A mark is the fingerprints of the lines read.
"""

from __future__ import annotations

import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache

from tmuxhub.lib.redis import unavailable_message

from .exceptions import BridgeError


def _key(user_id: int | None, pane_id: str) -> str:
    return f"bridge:read:{user_id or 'anonymous'}:{pane_id}"


def _load(user_id: int | None, pane_id: str) -> bytes | None:
    try:
        return cache.get(_key(user_id, pane_id))
    except redis.RedisError as exc:
        raise BridgeError(unavailable_message("capture_since (its read marks)", exc)) from exc


def _save(user_id: int | None, pane_id: str, mark: bytes) -> None:
    try:
        cache.set(_key(user_id, pane_id), mark, timeout=settings.TMUXHUB_READ_MARK_SECONDS)
    except redis.RedisError as exc:
        raise BridgeError(unavailable_message("capture_since (its read marks)", exc)) from exc


load = sync_to_async(_load, thread_sensitive=False)
save = sync_to_async(_save, thread_sensitive=False)
