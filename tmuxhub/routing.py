"""The hub's entrance: one ASGI application for the whole hub, and the one owner of its start and stop.

`HubRouter` sends `/mcp` to the MCP endpoint (`bridge.endpoint`) and the rest to Django.
`Entrance` answers the ASGI lifespan itself: at startup it enters each part's `running()` in order
(the MCP endpoint's session managers, the audit log's writer, the rate limiter's collector and
known-good recorder, the pane watches), and at shutdown leaves them in reverse order, so calls stop
before the writers write their last rows. Nothing below it sees a lifespan event, and no part starts
a background writer of its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

log = logging.getLogger(__name__)

MCP_PATH = "/mcp"

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Part = Callable[[], AbstractAsyncContextManager[None]]

NO_LIFESPAN = (
    "tmuxhub needs the ASGI lifespan (it starts the audit and abuse writers there): run `tmuxhub serve`, "
    "or uvicorn without --lifespan off"
)


class HubRouter:
    def __init__(self, django_app: Any, mcp_app: Any) -> None:
        self.django_app = django_app
        self.mcp_app = mcp_app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path in (MCP_PATH, MCP_PATH + "/"):
            # Answer `/mcp/` like `/mcp` instead of redirecting: clients differ on the trailing slash.
            await self.mcp_app({**scope, "path": MCP_PATH, "raw_path": MCP_PATH.encode()}, receive, send)
            return
        await self.django_app(scope, receive, send)


class Entrance:
    def __init__(self, app: Any, parts: Sequence[Part]) -> None:
        self.app = app
        self.parts = parts
        self.started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if not self.started:
            await _refuse(send, NO_LIFESPAN)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        stack = contextlib.AsyncExitStack()
        try:
            for part in self.parts:
                await stack.enter_async_context(part())
        except Exception as exc:
            log.exception("tmuxhub could not start")
            await stack.aclose()
            await send({"type": "lifespan.startup.failed", "message": f"{type(exc).__name__}: {exc}"})
            return
        self.started = True
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        try:
            await stack.aclose()
        except Exception as exc:
            log.exception("tmuxhub did not stop cleanly")
            await send({"type": "lifespan.shutdown.failed", "message": f"{type(exc).__name__}: {exc}"})
            return
        await send({"type": "lifespan.shutdown.complete"})


async def _refuse(send: Send, detail: str) -> None:
    body = json.dumps({"error": "misconfigured", "detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
