"""ASGI rate limiting in front of the whole hub (Django views and `/mcp`).

Per request, at most one Redis pipeline round trip; a client already known to be refused (banned,
or over its window) is answered 429 from this process's memory without touching Redis or Django,
so a flood costs little. Rules:

- a request with a *valid* bearer token is throttled per token and is never refused because of its
  IP (a NAT neighbour's scanning must not lock a user out); validity is cached briefly by sha256;
- everything else is throttled per IP; an invalid bearer is an auth failure for that IP;
- exploit paths, many 404s and many auth failures ban the IP for `ABUSE_BAN_SECONDS`;
- OAuth/MCP discovery paths (which Claude probes) have a budget of their own and never strike.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from tmuxhub.accounts.paths import is_public_auth_path

from .categories import Reason, is_exploit_path
from .clientip import (
    SERVER_REWRITES_CLIENT,
    client_ip,
    drop_untrusted_forwarding,
    parse_networks,
    server_rewrites_client,
)
from .collector import Collector, run_in_db_thread
from .store import Admission, ExpiringDict, MemoryStore, RedisStore, key_prefix

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

REDIS_RETRY_SECONDS = 5.0


class RateLimitMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.proxies = parse_networks(settings.TMUXHUB_TRUSTED_PROXIES)
        self.prefix = key_prefix()
        self.memory = MemoryStore()
        self.redis: RedisStore | None = None
        self.redis_down_until = 0.0
        self.collector: Collector | None = None
        # "ban:<ip>", a throttle bucket ("ip:<ip>", "disc:<ip>", "tok:<hash>") -> retry-at (wall clock)
        self.refused = ExpiringDict()
        self.tokens = ExpiringDict()  # token sha256 -> valid?
        self.allowlist: frozenset[str] = frozenset()
        self.allowlist_checked = 0.0
        self.server_rewrites: bool | None = None  # checked on the first lifespan or HTTP call

    # --- ASGI -------------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.server_rewrites is None and scope["type"] in ("lifespan", "http"):
            self.server_rewrites = server_rewrites_client(sys._getframe())
            if self.server_rewrites:
                log.error(SERVER_REWRITES_CLIENT)
        if scope["type"] == "lifespan":
            if self.server_rewrites:
                await _refuse_startup(receive, send)
                return
            await self.app(scope, self._watch_lifespan(receive), send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.server_rewrites:
            # Started with lifespan off: no request may be judged by an address anyone could claim.
            await _answer(send, 500, {"error": "misconfigured", "detail": SERVER_REWRITES_CLIENT})
            return
        ip = client_ip(scope, self.proxies)
        if ip is None:
            await self.app(scope, receive, send)
            return
        # Downstream (Django's REMOTE_ADDR, the SDK) sees the real client, not the proxy, and no
        # forwarding header a direct client made up.
        peer = scope.get("client")
        scope = {**drop_untrusted_forwarding(scope, self.proxies), "client": (ip, peer[1] if peer else 0)}
        await self._refresh_allowlist()
        if ip in self.allowlist:
            await self.app(scope, receive, send)
            return

        now = time.monotonic()
        token = _bearer(scope)
        token_hash = hashlib.sha256(token.encode()).hexdigest() if token else ""
        valid = self.tokens.get(token_hash, now) if token else None
        if token and valid is None:
            valid = await self._check_token(ip, token, token_hash, now)
        if valid:
            await self._authenticated(scope, receive, send, token_hash, now)
            return
        await self._anonymous(scope, receive, send, ip, bool(token), now)

    def _watch_lifespan(self, receive: Receive) -> Receive:
        async def watched() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.close()
            return message

        return watched

    async def close(self) -> None:
        """Write every counted hit; called on lifespan shutdown (and by tests)."""
        if self.collector is not None:
            await self.collector.close()
        if self.redis is not None:
            await self.redis.close()
            self.redis = None

    # --- the two kinds of traffic -----------------------------------------------------------------

    async def _authenticated(
        self, scope: Scope, receive: Receive, send: Send, token_hash: str, now: float
    ) -> None:
        key = f"tok:{token_hash}"
        if (known := self.refused.get(key, now)) is not None:
            await _answer_429(send, known - time.time())
            return
        # The IP's ban is deliberately not consulted: the bucket is the token's.
        admission = await self._admit("-", key, settings.ABUSE_TOKEN_LIMIT, settings.ABUSE_TOKEN_WINDOW)
        if admission.count > settings.ABUSE_TOKEN_LIMIT:
            self.refused.put(key, time.time() + admission.reset_in, now + admission.reset_in, now)
            await _answer_429(send, admission.reset_in)
            return
        await self.app(scope, receive, send)

    async def _anonymous(
        self, scope: Scope, receive: Receive, send: Send, ip: str, bad_bearer: bool, now: float
    ) -> None:
        path = scope.get("path", "")
        public = is_public_auth_path(path)
        # Counted even while banned: the count caps how many unknown tokens this IP gets looked up.
        if (
            bad_bearer
            and not public
            and await self._strike(scope, ip, Reason.AUTH_FAILURE, settings.ABUSE_MAX_AUTH_FAILURES)
        ):
            await _answer_429(send, settings.ABUSE_BAN_SECONDS)
            return
        ban_key = f"ban:{ip}"
        # Discovery documents have their own budget: being over the anonymous one does not block them.
        bucket = f"disc:{ip}" if public else f"ip:{ip}"
        for cached in (ban_key, bucket):
            if (known := self.refused.get(cached, now)) is not None:
                self._record(scope, ip, Reason.BANNED if cached == ban_key else Reason.THROTTLED)
                await _answer_429(send, known - time.time())
                return
        limit = settings.ABUSE_DISCOVERY_LIMIT if public else settings.ABUSE_ANON_LIMIT
        admission = await self._admit(ip, bucket, limit, settings.ABUSE_ANON_WINDOW)
        if admission.banned_for > 0:
            until = min(admission.banned_for, settings.ABUSE_LOCAL_CACHE_SECONDS)
            self.refused.put(ban_key, time.time() + admission.banned_for, now + until, now)
            self._record(scope, ip, Reason.BANNED)
            await _answer_429(send, admission.banned_for)
            return
        if admission.count > limit:
            self.refused.put(bucket, time.time() + admission.reset_in, now + admission.reset_in, now)
            self._record(scope, ip, Reason.THROTTLED)
            await _answer_429(send, admission.reset_in)
            return
        if (
            not public
            and is_exploit_path(path)
            and await self._strike(scope, ip, Reason.EXPLOIT, settings.ABUSE_MAX_EXPLOIT)
        ):
            await _answer_429(send, settings.ABUSE_BAN_SECONDS)
            return
        status: list[int] = []

        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watched_send)
        if status == [404] and not public:
            await self._strike(scope, ip, Reason.NOT_FOUND, settings.ABUSE_MAX_404, refused=False)

    # --- helpers ----------------------------------------------------------------------------------

    async def _strike(self, scope: Scope, ip: str, rule: str, limit: int, refused: bool = True) -> bool:
        """Count a scanning signal; at `limit` in the strike window the IP is banned. True if banned now."""
        window = settings.ABUSE_STRIKE_WINDOW
        try:
            store = self._store()
            count = await store.strike(self.prefix, rule, ip, window)
            if count >= limit:
                await store.ban(self.prefix, ip, rule, settings.ABUSE_BAN_SECONDS)
        except Exception as error:
            self._redis_failed(error)
            count = await self.memory.strike(self.prefix, rule, ip, window)
            if count >= limit:
                await self.memory.ban(self.prefix, ip, rule, settings.ABUSE_BAN_SECONDS)
        if count < limit:
            return False
        now = time.monotonic()
        self.refused.put(
            f"ban:{ip}",
            time.time() + settings.ABUSE_BAN_SECONDS,
            now + min(settings.ABUSE_BAN_SECONDS, settings.ABUSE_LOCAL_CACHE_SECONDS),
            now,
        )
        self._record(scope, ip, rule, refused=refused)
        return True

    async def _admit(self, ip: str, bucket: str, limit: int, window: int) -> Admission:
        try:
            return await self._store().admit(self.prefix, ip, bucket, window)
        except Exception as error:
            self._redis_failed(error)
            return await self.memory.admit(self.prefix, ip, bucket, window)

    def _store(self) -> RedisStore | MemoryStore:
        if not settings.REDIS_URL or time.monotonic() < self.redis_down_until:
            return self.memory
        if self.redis is None:
            self.redis = RedisStore(settings.REDIS_URL)
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

    async def _check_token(self, ip: str, token: str, token_hash: str, now: float) -> bool:
        """Ask /mcp's own token verifier (its Redis cache, else one DB query) unless this IP already
        failed too often: the same check and cache the bridge uses, so a token is looked up once."""
        window = settings.ABUSE_STRIKE_WINDOW
        try:
            failures = await self._store().strikes(self.prefix, Reason.AUTH_FAILURE, ip, window)
        except Exception as error:
            self._redis_failed(error)
            failures = await self.memory.strikes(self.prefix, Reason.AUTH_FAILURE, ip, window)
        if failures >= settings.ABUSE_MAX_AUTH_FAILURES:
            return False
        from bridge.token_cache import CachedTokenVerifier

        valid = await CachedTokenVerifier().verify_token(token) is not None
        self.tokens.put(token_hash, valid, now + settings.ABUSE_TOKEN_CACHE_SECONDS, now)
        return valid

    async def _refresh_allowlist(self) -> None:
        now = time.monotonic()
        if now - self.allowlist_checked < settings.ABUSE_ALLOWLIST_REFRESH_SECONDS:
            return
        self.allowlist_checked = now
        try:
            self.allowlist = await run_in_db_thread(_load_allowlist)
        except Exception:
            log.exception("rate limiter: could not read the allow-list; keeping the previous one")

    def _record(self, scope: Scope, ip: str, reason: str, refused: bool = True) -> None:
        if self.collector is None:
            self.collector = Collector()
        self.collector.record(
            ip,
            scope.get("method", ""),
            scope.get("path", ""),
            _header(scope, b"user-agent"),
            reason,
            refused,
        )


def _load_allowlist() -> frozenset[str]:
    from django.db import close_old_connections

    from .models import Offender

    close_old_connections()
    return frozenset(Offender.objects.filter(status=Offender.Status.ALLOWLISTED).values_list("ip", flat=True))


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return ""


def _bearer(scope: Scope) -> str:
    scheme, _, token = _header(scope, b"authorization").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def _refuse_startup(receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] == "lifespan.startup":
        await send({"type": "lifespan.startup.failed", "message": SERVER_REWRITES_CLIENT})


async def _answer_429(send: Send, retry_after: float) -> None:
    seconds = max(1, int(retry_after + 0.999))
    await _answer(
        send,
        429,
        {"error": "too_many_requests", "retry_after": seconds},
        [(b"retry-after", str(seconds).encode())],
    )


async def _answer(
    send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
