"""A per-IP fixed-window counter in Django's cache (Redis in production), shared by all workers."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest

from tmuxhub.lib.netkey import rate_key


def client_ip(request: HttpRequest) -> str:
    """The key the caller is counted under: the IP `abuse/clientip.py` decided (the rate-limit
    middleware in front of Django puts it in the ASGI scope, which Django reads as REMOTE_ADDR), an
    IPv6 one by its network (`tmuxhub.lib.netkey`)."""
    return rate_key(str(request.META.get("REMOTE_ADDR") or "unknown"))


def login_ip(request: HttpRequest) -> str | None:
    """What django-axes counts password-login failures by (settings `AXES_CLIENT_IP_CALLABLE`): the
    same key as an address axes can store (an IPv6 network as its first address), or None when there
    is no address (a unix-socket peer, Django's test client)."""
    key = client_ip(request)
    return None if key == "unknown" else key.split("/")[0]


def hit(bucket: str, ip: str, limit: int, window_seconds: int) -> int:
    """Count one request; returns 0 when allowed, else the seconds until the window resets."""
    now = int(time.time())
    window_start = now - now % window_seconds
    key = f"ratelimit:{bucket}:{ip}:{window_start}"
    # add() is a no-op when the key exists, so concurrent first hits don't reset each other.
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    if count > limit:
        return window_start + window_seconds - now or 1
    return 0


def reset(bucket: str, ip: str, window_seconds: int) -> None:
    """Forget an IP's count in the current window (an operator's or a test's fresh start)."""
    now = int(time.time())
    cache.delete(f"ratelimit:{bucket}:{ip}:{now - now % window_seconds}")
