"""The hub's `/mcp`, assembled from the MCP SDK's public parts: its bearer-token check (the SDK's
auth middleware with the hub's token verifier) in front of two stateless Streamable HTTP session
managers over one server.

Each POST is answered with one JSON body, except a call that asked for progress notifications
(`params._meta.progressToken` in the JSON-RPC request): a JSON body has no room for them, so that
one goes to the manager that answers with an SSE stream (`ask` reports progress while it waits).
The request is parsed to decide; a word in a prompt decides nothing.

`running()` is this endpoint's part of the hub's lifespan (`tmuxhub.routing.Entrance`): the two
managers' task groups.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from django.conf import settings
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.auth.routes import build_resource_metadata_url
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import AnyHttpUrl
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.types import Message, Receive, Scope, Send

from tmuxhub.accounts.token_cache import CachedTokenVerifier

from .server import HubServer

REQUIRED_SCOPES = ["mcp"]


def wants_progress(body: bytes) -> bool:
    """Whether a POSTed JSON-RPC request asks for progress notifications (`_meta.progressToken`)."""
    if b"progressToken" not in body:  # most calls: no need to parse the body a second time
        return False
    try:
        message = json.loads(body)
    except (ValueError, RecursionError):  # the SDK answers it with a parse error
        return False
    params = message.get("params") if isinstance(message, dict) else None
    meta = params.get("_meta") if isinstance(params, dict) else None
    return isinstance(meta, dict) and meta.get("progressToken") is not None


def _allowed_hosts() -> list[str]:
    public = urlsplit(settings.TMUXHUB_PUBLIC_URL)
    hosts = {public.netloc, public.hostname or ""}
    return sorted(h for h in hosts if h)


class McpEndpoint:
    """The ASGI app of `/mcp` (HTTP only; its lifespan part is `running()`)."""

    def __init__(self, server: HubServer) -> None:
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=_allowed_hosts(),
            allowed_origins=settings.TMUXHUB_MCP_ALLOWED_ORIGINS,
        )
        # `streamable_http_app` is the SDK's public way to a session manager over the server; its
        # Starlette app is not used: the hub routes, authenticates and runs the lifespan itself.
        server.streamable_http_app(stateless_http=True, json_response=True, transport_security=security)
        self.json = server.session_manager
        self.sse = StreamableHTTPSessionManager(
            app=self.json.app, stateless=True, json_response=False, security_settings=security
        )
        resource = AnyHttpUrl(settings.MCP_RESOURCE_URL)
        self.app = AuthenticationMiddleware(
            AuthContextMiddleware(
                RequireAuthMiddleware(self._answer, REQUIRED_SCOPES, build_resource_metadata_url(resource))
            ),
            # The verifier already refuses tokens for another resource; the SDK checks it again.
            backend=BearerAuthBackend(CachedTokenVerifier(), resource_server_url=resource),
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # Stateless mode "terminates a session" on every request and logs it at INFO: noise, and a
        # write per call on the hot path.
        logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)
        async with self.json.run(), self.sse.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":
            await self.json.handle_request(scope, receive, send)
            return
        # The body is bounded before it gets here (tmuxhub.limits.RequestLimits).
        messages: list[Message] = []
        body = b""
        while True:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        manager = self.sse if wants_progress(body) else self.json
        await manager.handle_request(scope, replay, send)
