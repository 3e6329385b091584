"""ASGI rate limiting in front of the whole hub (Django views and `/mcp`): the thin part.

Per request: the client address (`clientip.py`, nothing else decides it), its credentials
(`credentials.py`), the plan and the verdict (`policy.py`, pure), the count (`limiter.py`, at most
one Redis round trip, none for a refusal this process already knows; it also reads a valid bearer
token's cache entry for `/mcp`'s own check), then either the app or a 429:
an HTML page for a browser, JSON for an API client, with `Retry-After` either way. Refused and
ban-triggering requests are counted for the abuse review (`collector.py`); trusted ones never are,
and their address is noted as known good (`knowngood.py`). Their background writers and the Redis
connection are this middleware's part of the hub's lifespan (`running()`).

Who the client is comes from the socket peer and `TMUXHUB_TRUSTED_PROXIES` alone (`clientip.py`):
`tmuxhub serve` runs uvicorn with its own proxy-header rewriting off.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from django.conf import settings

from tmuxhub.lib.netkey import rate_key

from .categories import Reason
from .clientip import client_ip, drop_untrusted_forwarding, parse_networks
from .collector import Collector, run_in_db_thread
from .credentials import Credentials, TokenEntry, VerifyToken
from .knowngood import KnownGoodRecorder, recent_networks
from .limiter import Limiter
from .policy import Bearer, Limits, Plan, answer_strike, decide, decide_answered, plan, strike_ask

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

STATIC_PATHS = ("/favicon.ico", "/robots.txt")


class RateLimitMiddleware:
    def __init__(
        self,
        app: Any,
        *,
        verify_token: VerifyToken,
        is_discovery: Callable[[str], bool],
        token_entry: TokenEntry | None = None,
    ) -> None:
        self.app = app
        self.token_entry = token_entry
        self.is_discovery = is_discovery
        self.proxies = parse_networks(settings.TMUXHUB_TRUSTED_PROXIES)
        self.limits = Limits.from_settings()
        self.limiter = Limiter(settings.REDIS_URL, settings.ABUSE_LOCAL_CACHE_SECONDS)
        self.credentials = Credentials(verify_token)
        self.known_good = KnownGoodRecorder()
        self.collector = Collector()
        self.static_prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
        self.allowlist: frozenset[str] = frozenset()
        self.known_good_networks: frozenset[str] = frozenset()  # from the database, with the allow-list
        self.allowlist_checked = 0.0

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Write counted hits and known-good addresses while the hub runs, and the rest at its stop."""
        self.collector.start()
        self.known_good.start()
        try:
            yield
        finally:
            await self.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
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
        await self._limited(scope, receive, send, ip)

    async def _limited(self, scope: Scope, receive: Receive, send: Send, ip: str) -> None:
        key = rate_key(ip)
        headers = dict(scope.get("headers", ()))
        path = scope.get("path", "")
        bearer, token_id = await self.credentials.bearer(headers)
        trusted_token = bearer is Bearer.VALID
        staff_id = "" if trusted_token else await self.credentials.staff_session(headers)
        request = plan(
            path,
            key,
            self.limits,
            bearer=bearer,
            token_id=token_id,
            staff_id=staff_id,
            discovery=self.is_discovery(path),
            static=path.startswith(self.static_prefix) or path in STATIC_PATHS,
            known_good=key in self.known_good_networks or key in self.known_good,
        )
        # A valid token's entry is read with the count, so the app's own check needs no round trip.
        read_key = self.token_entry.key(token_id) if self.token_entry and trusted_token else ""
        counts = await self.limiter.count(request, read_key)
        if self.token_entry and counts.read is not None:  # a miss, or no Redis: the app asks itself
            self.token_entry.hand_over(read_key, counts.read)
        verdict = decide(request, counts)
        self.limiter.remember(request.ask, verdict)
        if verdict.record:
            self._record(scope, ip, verdict.record, refused=not verdict.allow)
        if not verdict.allow:
            await _answer_429(scope, send, verdict.retry_after)
            return
        if request.lane.trusted:
            self.known_good.saw(key)
        if not verdict.watch_answer:
            await self.app(scope, receive, send)
            return
        strike = answer_strike(await _call_watching_status(self.app, scope, receive, send))
        if strike:
            await self._strike_answer(scope, ip, request, strike)

    async def _strike_answer(self, scope: Scope, ip: str, request: Plan, rule: Reason) -> None:
        ask = strike_ask(request.ask, rule, self.limits)
        verdict = decide_answered(ask, await self.limiter.strike(ask))
        self.limiter.remember(ask, verdict)
        if verdict.record:
            self._record(scope, ip, verdict.record, refused=False)

    async def close(self) -> None:
        """Write every counted hit and known-good address, and close the Redis connection."""
        await self.collector.close()
        await self.known_good.close()
        await self.limiter.close()

    async def _refresh_allowlist(self) -> None:
        now = time.monotonic()
        if now - self.allowlist_checked < settings.ABUSE_ALLOWLIST_REFRESH_SECONDS:
            return
        self.allowlist_checked = now
        try:
            self.allowlist, self.known_good_networks = await run_in_db_thread(_load_lists)
        except Exception:
            log.exception("rate limiter: could not read the allow-list; keeping the previous one")

    def _record(self, scope: Scope, ip: str, reason: str, refused: bool) -> None:
        headers = dict(scope.get("headers", ()))
        self.collector.record(
            ip,
            scope.get("method", ""),
            scope.get("path", ""),
            headers.get(b"user-agent", b"").decode("latin-1"),
            reason,
            refused,
        )


def _load_lists() -> tuple[frozenset[str], frozenset[str]]:
    """The allow-listed addresses, and the known-good rate keys."""
    from django.db import close_old_connections

    from .models import Offender

    close_old_connections()
    allowed = Offender.objects.filter(status=Offender.Status.ALLOWLISTED).values_list("ip", flat=True)
    return frozenset(allowed), recent_networks()


async def _call_watching_status(app: Any, scope: Scope, receive: Receive, send: Send) -> int:
    status: list[int] = []

    async def watched_send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
        await send(message)

    await app(scope, receive, watched_send)
    return status[0] if status else 0


PAGE_429 = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Too many requests · tmuxhub</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:0 auto;padding:2rem 1rem;
background:#fff;color:#1f2328}}h1{{font-size:1.4rem}}a{{color:#1f6feb}}
header a{{color:#59636e;font-weight:600;text-decoration:none}}
@media (prefers-color-scheme:dark){{body{{background:#0d1117;color:#e6edf3}}a{{color:#4493f8}}
header a{{color:#9198a1}}}}</style></head>
<body><header><a href="/">tmuxhub</a></header>
<main><h1>Too many requests</h1>
<p>This address sent more requests than tmuxhub allows, or it is blocked for a while after
requests that looked like scanning. Try again in {wait}.</p>
<p>Requests with a staff session or a valid token are never refused this way; the hub's owner
can also allow-list an address in the abuse review.</p>
</main></body></html>
"""


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"about {round(seconds / 60)} minutes"


async def _answer_429(scope: Scope, send: Send, retry_after: float) -> None:
    seconds = max(1, int(retry_after + 0.999))
    extra = [(b"retry-after", str(seconds).encode())]
    accept = dict(scope.get("headers", ())).get(b"accept", b"")
    if b"text/html" in accept:
        page = PAGE_429.format(wait=html.escape(_wait_text(seconds))).encode()
        await _answer(send, 429, page, b"text/html; charset=utf-8", extra)
        return
    await _answer_json(send, 429, {"error": "too_many_requests", "retry_after": seconds}, extra)


async def _answer_json(
    send: Send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await _answer(send, status, json.dumps(payload).encode(), b"application/json", headers)


async def _answer(
    send: Send, status: int, body: bytes, content_type: bytes, headers: list[tuple[bytes, bytes]] | None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
