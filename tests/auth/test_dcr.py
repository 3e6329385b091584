"""Dynamic Client Registration (RFC 7591) as MCP clients use it: open, bounded, public clients only."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.auth.oauth_client import OAuthClient


def test_it_registers_a_public_client_even_when_a_secret_is_asked_for(oauth: OAuthClient) -> None:
    response = oauth.register(token_endpoint_auth_method="client_secret_post")
    assert response.status_code == 201, response.text
    client = response.json()
    assert client["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in client
    assert client["redirect_uris"] == ["https://claude.ai/api/mcp/auth_callback"]
    assert client["grant_types"] == ["authorization_code", "refresh_token"]
    assert client["client_name"] == "Claude"


@pytest.mark.parametrize(
    "uri", ["http://127.0.0.1:33418/callback", "http://localhost:6274/oauth/callback", "http://[::1]:8080/cb"]
)
def test_it_accepts_loopback_http_redirect_uris(oauth: OAuthClient, uri: str) -> None:
    response = oauth.register(redirect_uris=[uri])
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("uris", "why"),
    [
        (["http://evil.example/callback"], "not allowed"),
        (["javascript:alert(1)"], "not allowed"),
        (["https://claude.ai/api/mcp/auth_callback#x"], "fragment"),
        (["https://user:pw@claude.ai/cb"], "credentials"),
        (["https://claude.ai/cb\x00"], "characters"),
        (["https://claudé.ai/cb"], "characters"),
        ([], "non-empty"),
        ("https://claude.ai/api/mcp/auth_callback", "non-empty array"),
        ([f"https://claude.ai/{'a' * 2100}"], "at most"),
    ],
)
def test_it_refuses_unsafe_redirect_uris(anonymous: OAuthClient, uris: object, why: str) -> None:
    response = anonymous.register(redirect_uris=uris)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_redirect_uri"
    assert why in response.json()["error_description"]


@pytest.mark.parametrize(
    "metadata",
    [
        {"client_name": "x" * 201},
        {"client_name": 7},
        {"client_name": "Claude\x00"},
        {"client_name": "Claude\n(official)"},
        {"grant_types": ["client_credentials"]},
        {"grant_types": ["authorization_code", "implicit"]},
        {"response_types": ["token"]},
        {"token_endpoint_auth_method": "private_key_jwt"},
    ],
)
def test_it_refuses_metadata_it_does_not_support(anonymous: OAuthClient, metadata: dict[str, object]) -> None:
    response = anonymous.register(**metadata)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b"\xff\xfe", b"[" * 5000, b'{"a":' * 1500])
def test_it_refuses_a_body_that_is_not_a_json_object(anonymous: OAuthClient, body: bytes) -> None:
    response = anonymous.post("/register", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client_metadata"


def test_it_refuses_an_oversized_body(anonymous: OAuthClient) -> None:
    response = anonymous.register(software_statement="x" * settings.TMUXHUB_DCR_MAX_BODY_BYTES)
    assert response.status_code == 413
    assert response.json()["error"] == "invalid_client_metadata"


def test_it_limits_registrations_per_address(oauth: OAuthClient) -> None:
    for _ in range(settings.TMUXHUB_DCR_PER_IP_PER_HOUR):
        assert oauth.register().status_code == 201
    refused = oauth.register()
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600


def test_an_update_cannot_sneak_in_an_unsafe_redirect_uri(oauth: OAuthClient) -> None:
    client = oauth.register().json()
    update = oauth.http.put(
        client["registration_client_uri"],
        json={"redirect_uris": ["http://evil.example/callback"]},
        headers={"Authorization": f"Bearer {client['registration_access_token']}"},
    )
    assert update.status_code == 400
    assert update.json()["error"] == "invalid_redirect_uri"


def test_browser_based_clients_may_register_and_exchange_codes(oauth: OAuthClient) -> None:
    origin = {"Origin": "http://localhost:6274"}
    for path in ("/register", "/token", "/revoke"):
        preflight = oauth.http.options(f"{oauth.hub.url}{path}", headers=origin)
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
    registered = oauth.post("/register", json={"redirect_uris": ["http://localhost:6274/cb"]}, headers=origin)
    assert registered.status_code == 201
    assert registered.headers["access-control-allow-origin"] == "*"
