"""What one request may cost before any view or tool sees it: its headers, its body's size and how
long the body takes to arrive. Django (which spools any body to disk) and the MCP SDK (which reads
it into memory) set no bound of their own, uvicorn (httptools) none on headers, and a body sent a
byte at a time would hold a request open for ever.

Headers past the bound get 431, an oversized body 413 (at once when its Content-Length says so), a
body that is too slow 408; the application behind sees the client leave. Headers sent slowly never
reach an ASGI app: the reverse proxy in front bounds those (README, "Reliability and security").
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Browsers send a few KiB; 32 KiB leaves room for large cookies (h11's own bound is 16 KiB).
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADERS = 100


class RequestLimits:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.max_body = settings.TMUXHUB_MAX_BODY_BYTES
        self.body_seconds = settings.TMUXHUB_BODY_SECONDS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal_before_body(scope)
        if refusal is not None:
            await _refuse(send, *refusal)
            return

        guard = _BodyGuard(send, receive, self.max_body, self.body_seconds)
        await self.app(scope, guard.receive, guard.send)

    def _refusal_before_body(self, scope: Scope) -> tuple[int, str] | None:
        """The status and reason to answer with at once, from the headers alone; None to go on."""
        headers = scope.get("headers", ())
        if len(headers) > MAX_HEADERS or sum(len(n) + len(v) for n, v in headers) > MAX_HEADER_BYTES:
            return 431, f"more than {MAX_HEADERS} headers or {MAX_HEADER_BYTES} bytes of them"
        length = _content_length(scope)
        if length == "invalid":
            return 400, "invalid Content-Length"
        if isinstance(length, int) and length > self.max_body:
            return 413, f"the body is larger than {self.max_body} bytes"
        return None


class _BodyGuard:
    """One request's receive/send pair, cut off with 408/413 when its body is too slow or too large."""

    def __init__(self, send: Send, receive: Receive, max_body: int, body_seconds: float) -> None:
        self._send = send
        self._receive = receive
        self.max_body = max_body
        self.body_seconds = body_seconds
        self.deadline = time.monotonic() + body_seconds
        self.received = 0
        self.body_done = False
        self.refused = False
        self.response_started = False

    async def receive(self) -> Message:
        if self.refused:
            return {"type": "http.disconnect"}
        if self.body_done:
            return await self._receive()
        try:
            message = await asyncio.wait_for(self._receive(), max(0.0, self.deadline - time.monotonic()))
        except TimeoutError:
            await self._refuse(408, f"the body did not arrive within {self.body_seconds:g} s")
            return {"type": "http.disconnect"}
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.max_body:
                await self._refuse(413, f"the body is larger than {self.max_body} bytes")
                return {"type": "http.disconnect"}
            self.body_done = not message.get("more_body", False)
        return message

    async def send(self, message: Message) -> None:
        if self.refused:
            return  # the client already has its 408/413
        self.response_started = True
        await self._send(message)

    async def _refuse(self, status: int, reason: str) -> None:
        self.refused = True
        if not self.response_started:
            await _refuse(self._send, status, reason)


def _content_length(scope: Scope) -> int | str | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 20 else "invalid"
    return None


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"error": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
