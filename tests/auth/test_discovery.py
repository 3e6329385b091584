"""Discovery: what an MCP client finds before it has a token (RFC 9728, RFC 8414, MCP 2025-11-25)."""

from __future__ import annotations

import httpx
import pytest

from tests.auth.oauth_client import TIMEOUT, mcp_post, resource_metadata_url
from tests.support.hub import Hub


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"]
)
def test_it_describes_the_mcp_resource(hub: Hub, path: str) -> None:
    response = httpx.get(f"{hub.url}{path}", timeout=TIMEOUT)
    assert response.status_code == 200
    document = response.json()
    assert document["resource"] == hub.mcp_url
    assert document["authorization_servers"] == [hub.url]
    assert document["scopes_supported"] == ["mcp"]
    assert document["bearer_methods_supported"] == ["header"]


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/oauth-authorization-server",
        "/.well-known/oauth-authorization-server/mcp",
        "/.well-known/openid-configuration",
        "/.well-known/openid-configuration/mcp",
        "/mcp/.well-known/openid-configuration",
    ],
)
def test_it_answers_authorization_server_metadata_wherever_clients_look(hub: Hub, path: str) -> None:
    response = httpx.get(f"{hub.url}{path}", timeout=TIMEOUT)
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == hub.url
    assert document["authorization_endpoint"] == f"{hub.url}/authorize"
    assert document["token_endpoint"] == f"{hub.url}/token"
    assert document["registration_endpoint"] == f"{hub.url}/register"
    assert document["revocation_endpoint"] == f"{hub.url}/revoke"
    assert document["response_types_supported"] == ["code"]
    assert document["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["token_endpoint_auth_methods_supported"] == ["none"]


@pytest.mark.parametrize("token", [None, "not-a-token", "x" * 600])
def test_every_401_from_mcp_points_to_the_resource_metadata(hub: Hub, token: str | None) -> None:
    response = mcp_post(hub, token)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert resource_metadata_url(response) == f"{hub.url}/.well-known/oauth-protected-resource/mcp"


def test_metadata_names_the_public_url_not_the_address_it_was_reached_at(hub_factory) -> None:
    public = "https://tmux.example.com"
    behind_proxy = hub_factory(TMUXHUB_PUBLIC_URL=public)
    resource = httpx.get(
        f"{behind_proxy.url}/.well-known/oauth-protected-resource/mcp", timeout=TIMEOUT
    ).json()
    server = httpx.get(f"{behind_proxy.url}/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    assert resource["resource"] == f"{public}/mcp"
    assert resource["authorization_servers"] == [public]
    assert server["issuer"] == public
    assert server["authorization_endpoint"] == f"{public}/authorize"
