"""Long `/mcp` calls kept alive through proxies: a slow JSON answer becomes an SSE stream.

A proxy cuts a response that sends nothing for its read timeout (nginx: 60 s by default, a 504),
while a tool may wait up to 600 s (`wait_for_text`, `ask`, `run_command`...). The hub answers a POST
with one JSON body (fast and small) unless the call asked for progress. MCP's Streamable HTTP lets
the server answer any POST as `text/event-stream` instead (clients must accept both; SSE comment
lines are ignored by clients and count as traffic for proxies), so:

- the answer comes within `interval` seconds: it goes out untouched, as JSON;
- it does not: the response starts as SSE (`X-Accel-Buffering: no`, so nginx passes it on at
  once), a `: keep-alive` comment goes out every `interval` seconds, and the JSON answer, when it
  comes, is sent as the stream's one `message` event.

This sits outside the SDK, at the HTTP level, so it holds for both protocol generations and for
whatever the SDK decides per request; an answer the SDK already streams passes through untouched
(its own stream pings every 15 s). Hand-written: no ASGI library does this conversion.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
SSE_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-cache, no-transform"),
    (b"x-accel-buffering", b"no"),
]
COMMENT = b": keep-alive\n\n"


def _accepts_event_stream(scope: Scope) -> bool:
    return any(name == b"accept" and b"text/event-stream" in value for name, value in scope["headers"])


def _as_sse_message(body: bytes) -> bytes:
    lines = body.splitlines() or [b""]
    return b"event: message\n" + b"".join(b"data: " + line + b"\n" for line in lines) + b"\n"


class KeepAlive:
    """ASGI middleware for the MCP app; `interval` 0 turns it off."""

    def __init__(self, app: Any, interval: float) -> None:
        self.app = app
        self.interval = interval

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            self.interval <= 0
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or not _accepts_event_stream(scope)
        ):
            await self.app(scope, receive, send)
            return
        stream = _SlowAnswer(send, self.interval)
        loop = asyncio.get_running_loop()
        timers: list[asyncio.TimerHandle] = []

        async def receive_then_time(*args: Any) -> Message:
            # The clock starts once the whole request is in: a body still arriving is the body
            # limits' business (tmuxhub/limits.py answers 408/413 itself, before any SSE header).
            message: Message = await receive(*args)
            if message["type"] == "http.request" and not message.get("more_body") and not timers:
                # A timer, not a task per call: most answers come long before it fires.
                timers.append(loop.call_later(self.interval, stream.switch_to_sse))
            return message

        try:
            await self.app(scope, receive_then_time, stream.send)
        finally:
            for timer in timers:
                timer.cancel()
            await stream.finish()


class _SlowAnswer:
    def __init__(self, send: Any, interval: float) -> None:
        self._send = send
        self.interval = interval
        self.started = False  # the app's own response began in time: pass everything through
        self.streaming = False  # we answered with SSE headers: the app's answer becomes an event
        self.ended = False
        self._headers_sent = False
        self._pinger: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._app_is_sse = False
        self._body = b""

    def switch_to_sse(self) -> None:
        if not self.started:
            self.streaming = True
            self._pinger = asyncio.get_running_loop().create_task(self._ping())

    async def _start_sse(self) -> None:
        if not self._headers_sent:
            self._headers_sent = True
            await self._send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})

    async def _ping(self) -> None:
        async with self._lock:
            await self._start_sse()
        while True:
            async with self._lock:
                await self._send({"type": "http.response.body", "body": COMMENT, "more_body": True})
            await asyncio.sleep(self.interval)

    async def send(self, message: Message) -> None:
        if not self.streaming:
            self.started = True
            await self._send(message)
            return
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", ()))
            self._app_is_sse = headers.get(b"content-type", b"").startswith(b"text/event-stream")
            return
        if message["type"] != "http.response.body":
            return
        if self._app_is_sse:  # already framed as SSE: pass its bytes on, between our comments
            async with self._lock:
                await self._send({**message, "more_body": True})
        else:
            self._body += message.get("body", b"")
        if not message.get("more_body"):
            await self.finish()

    async def finish(self) -> None:
        """End our SSE stream (once), with the app's JSON answer as its event if one came."""
        if not self.streaming or self.ended:
            return
        self.ended = True
        if self._pinger is not None:
            async with self._lock:  # never cut a comment in half
                self._pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pinger
        await self._start_sse()  # the answer came before the pinger ever ran
        body = _as_sse_message(self._body) if self._body.strip() else b""
        await self._send({"type": "http.response.body", "body": body, "more_body": False})
