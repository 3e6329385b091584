"""The public paths of the authorization server, in one place.

`urls.py` mounts exactly these, and the ASGI entry (`tmuxhub/asgi.py`) hands `is_public_auth_path`
to the rate-limit middleware so that OAuth/MCP discovery probes (Claude fetches them on every
connection) get the discovery limit, not the anonymous one. The OAuth endpoints below are public
too but do real work, so they stay subject to the limiter (and `/register` has its own per-IP limit
besides).
"""

from __future__ import annotations

AUTHORIZATION_SERVER_METADATA = "/.well-known/oauth-authorization-server"
OPENID_CONFIGURATION = "/.well-known/openid-configuration"
PROTECTED_RESOURCE_METADATA = "/.well-known/oauth-protected-resource"

# Discovery documents: the root forms plus the `/mcp`-suffixed forms clients derive from the
# resource URL (RFC 8414 §3.1, RFC 9728 §3.1, MCP authorization 2025-11-25 "discovery order").
PUBLIC_AUTH_PATHS: frozenset[str] = frozenset(
    {
        AUTHORIZATION_SERVER_METADATA,
        f"{AUTHORIZATION_SERVER_METADATA}/mcp",
        OPENID_CONFIGURATION,
        f"{OPENID_CONFIGURATION}/mcp",
        f"/mcp{OPENID_CONFIGURATION}",
        PROTECTED_RESOURCE_METADATA,
        f"{PROTECTED_RESOURCE_METADATA}/mcp",
    }
)

AUTHORIZE = "/authorize"
TOKEN = "/token"  # noqa: S105 (a path, not a secret)
REVOKE = "/revoke"
REGISTER = "/register"
LOGIN = "/accounts/login/"


def is_public_auth_path(path: str) -> bool:
    """True for a discovery document path, with or without a trailing slash."""
    return path in PUBLIC_AUTH_PATHS or path.rstrip("/") in PUBLIC_AUTH_PATHS
