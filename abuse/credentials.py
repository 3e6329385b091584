"""Which requests carry trusted credentials: a valid bearer token, or a staff member's session.

The rate limiter asks before counting, because such a request spends its credential's budget, not
its IP's (`policy.py`). Answers are cached per process by the credential's sha256 (never the
credential) for `ABUSE_TOKEN_CACHE_SECONDS`, good and bad alike, so a client costs one check per
credential and not one per request. Tokens are checked with the verifier `/mcp` uses
(`tmuxhub.accounts.token_cache`, handed in by `tmuxhub.asgi` as `token_is_valid`); sessions with
Django's own `get_user`, which also checks the session against the user's password hash.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Protocol

from django.conf import settings
from django.db import DatabaseError
from django.http.cookie import parse_cookie

from .collector import run_in_db_thread
from .policy import Bearer
from .store import ExpiringDict

VerifyToken = Callable[[str], Awaitable[bool]]
MAX_CREDENTIAL_LENGTH = 4096


class TokenEntry(Protocol):
    """Where the app keeps what it knows of a bearer token in Redis (`tmuxhub.accounts.token_cache`):
    the limiter reads that key in its own round trip and hands the value over for this request."""

    def key(self, token_digest: str) -> str:
        """The Redis key of the entry of the token with this sha256."""

    def hand_over(self, key: str, value: str) -> None:
        """What Redis held at `key` as this request was counted (not called when it held nothing)."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Credentials:
    def __init__(self, verify_token: VerifyToken) -> None:
        self.verify_token = verify_token
        self.cache_seconds = settings.ABUSE_TOKEN_CACHE_SECONDS
        self.tokens = ExpiringDict()  # sha256 of a token -> valid?
        self.sessions = ExpiringDict()  # sha256 of a session key -> a staff member's?

    async def bearer(self, headers: dict[bytes, bytes]) -> tuple[Bearer, str]:
        """The request's bearer token: absent, valid or invalid, and its sha256."""
        scheme, _, token = headers.get(b"authorization", b"").decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return Bearer.NONE, ""
        digest = _digest(token)
        now = time.monotonic()
        valid = self.tokens.get(digest, now)
        if valid is None:
            valid = len(token) <= MAX_CREDENTIAL_LENGTH and await self.verify_token(token)
            self.tokens.put(digest, valid, now + self.cache_seconds, now)
        return (Bearer.VALID if valid else Bearer.INVALID), digest

    async def staff_session(self, headers: dict[bytes, bytes]) -> str:
        """The sha256 of the request's session key when it is a logged-in, active staff member's."""
        cookie = headers.get(b"cookie")
        if not cookie:
            return ""
        key = parse_cookie(cookie.decode("latin-1")).get(settings.SESSION_COOKIE_NAME, "")
        if not key or len(key) > MAX_CREDENTIAL_LENGTH:
            return ""
        digest = _digest(key)
        now = time.monotonic()
        staff = self.sessions.get(digest, now)
        if staff is None:
            try:
                staff = await run_in_db_thread(is_staff_session, key)
            except DatabaseError:  # the database is down: anonymous this time, ask again next time
                return ""
            self.sessions.put(digest, staff, now + self.cache_seconds, now)
        return digest if staff else ""


def is_staff_session(session_key: str) -> bool:
    from django.contrib.auth import get_user
    from django.db import close_old_connections
    from django.http import HttpRequest

    close_old_connections()
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    return bool(user.is_authenticated and user.is_active and user.is_staff)
