"""`/token` and `/revoke`: codes and refresh tokens work once, PKCE is checked, revocation is final."""

from __future__ import annotations

import pytest

from tests.auth.oauth_client import OAuthClient, mcp_post, pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_wrong_pkce_verifier_gets_no_token(client: OAuthClient) -> None:
    code, _ = client.authorize()
    other_verifier, _ = pkce_pair()
    response = client.exchange(code, other_verifier)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_code_works_once(client: OAuthClient) -> None:
    code, request = client.authorize()
    assert client.exchange(code, request.verifier).status_code == 200
    again = client.exchange(code, request.verifier)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_a_replayed_code_revokes_the_tokens_it_was_exchanged_for(client: OAuthClient) -> None:
    code, request = client.authorize()
    first = client.exchange(code, request.verifier).json()
    refreshed = client.refresh(first["refresh_token"]).json()  # a rotation since: revoked too
    assert mcp_post(client.hub, refreshed["access_token"]).status_code == 200

    replay = client.exchange(code, request.verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    assert mcp_post(client.hub, first["access_token"]).status_code == 401
    assert mcp_post(client.hub, refreshed["access_token"]).status_code == 401
    assert client.refresh(refreshed["refresh_token"]).status_code == 400


def test_the_token_request_must_repeat_the_redirect_uri(client: OAuthClient) -> None:
    code, request = client.authorize()
    without = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": client.client_id,
            "code_verifier": request.verifier,
            "resource": client.hub.mcp_url,
        },
    )
    assert without.status_code == 400
    assert without.json()["error"] == "invalid_request" or without.json()["error"] == "invalid_grant"
    assert client.exchange(code, request.verifier).status_code == 200


def test_a_code_is_bound_to_its_client(client: OAuthClient) -> None:
    code, request = client.authorize()
    thief = OAuthClient(hub=client.hub, github=client.github).registered()
    try:
        response = thief.exchange(code, request.verifier)
    finally:
        thief.close()
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_refresh_token_works_once_and_its_reuse_kills_the_family(client: OAuthClient) -> None:
    first = client.tokens()
    second = client.refresh(first["refresh_token"])
    assert second.status_code == 200
    rotated = second.json()

    replay = client.refresh(first["refresh_token"])
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # Reuse means the refresh token leaked: what it was rotated into dies too.
    assert client.refresh(rotated["refresh_token"]).status_code == 400
    assert mcp_post(client.hub, rotated["access_token"]).status_code == 401


def test_refreshing_keeps_the_token_bound_to_mcp(client: OAuthClient) -> None:
    tokens = client.tokens()
    response = client.post(
        "/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": client.client_id,
            "resource": "https://elsewhere.example/mcp",
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


def test_revoking_a_refresh_token_ends_the_session(client: OAuthClient) -> None:
    tokens = client.tokens()
    assert client.revoke(tokens["refresh_token"]).status_code == 200
    assert client.refresh(tokens["refresh_token"]).status_code == 400
    assert mcp_post(client.hub, tokens["access_token"]).status_code == 401


def test_an_unknown_client_gets_invalid_client_so_it_registers_again(client: OAuthClient) -> None:
    code, request = client.authorize()
    response = client.exchange(code, request.verifier, client_id="no-such-client")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_the_access_token_lifetime_is_configurable(hub_factory, fake_github, allow) -> None:
    short_lived = hub_factory(TMUXHUB_ACCESS_TOKEN_SECONDS="120", **fake_github.env())
    allow("octocat")
    client = OAuthClient(hub=short_lived, github=fake_github).registered()
    try:
        tokens = client.tokens()
    finally:
        client.close()
    assert 100 < tokens["expires_in"] <= 120
