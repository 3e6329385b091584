"""ASGI rate-limit middleware in front of the whole hub (Django views and `/mcp`)."""

from __future__ import annotations

from typing import Any


class RateLimitMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
