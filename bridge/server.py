"""The MCP server: tools registered here and by `abuse`, served over stateless Streamable HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from tmuxhub.accounts.verifier import DjangoTokenVerifier

from .registry import TOOLS


def _allowed_hosts() -> list[str]:
    public = urlsplit(settings.PUBLIC_URL)
    hosts = {public.netloc, public.hostname or ""}
    return sorted(h for h in hosts if h)


def build_server() -> MCPServer:
    server: MCPServer = MCPServer(
        name="tmuxhub",
        instructions="Drive tmux sessions on the owner's machine: read panes, send prompts, wait for output.",
        token_verifier=DjangoTokenVerifier(),
        auth=AuthSettings(
            issuer_url=settings.PUBLIC_URL,
            resource_server_url=settings.MCP_RESOURCE_URL,  # type: ignore[arg-type]
            required_scopes=["mcp"],
        ),
    )

    for tool in TOOLS.values():
        server.add_tool(tool.fn, name=tool.name, annotations=tool.annotations)
    return server


def build_mcp_app() -> Starlette:
    return build_server().streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=_allowed_hosts(),
            allowed_origins=settings.TMUXHUB_MCP_ALLOWED_ORIGINS,
        ),
    )
