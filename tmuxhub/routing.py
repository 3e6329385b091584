"""One ASGI application for the whole hub: `/mcp` goes to the MCP SDK's app, the rest to Django.

Django refuses ASGI lifespan, but the MCP app needs it (its task group starts there), so lifespan
events go to the MCP app alone.
"""

from __future__ import annotations

from typing import Any

MCP_PATH = "/mcp"


class HubRouter:
    def __init__(self, django_app: Any, mcp_app: Any) -> None:
        self.django_app = django_app
        self.mcp_app = mcp_app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.mcp_app(scope, receive, send)
            return
        path = scope.get("path", "")
        if path in (MCP_PATH, MCP_PATH + "/"):
            # Answer `/mcp/` like `/mcp` instead of redirecting: clients differ on the trailing slash.
            await self.mcp_app({**scope, "path": MCP_PATH, "raw_path": MCP_PATH.encode()}, receive, send)
            return
        await self.django_app(scope, receive, send)
