"""`/mcp` takes bearer tokens minted for it, and nothing else."""

from __future__ import annotations

import asyncio

import pytest

from tests.auth.oauth_client import INITIALIZE, OAuthClient, mcp_post
from tests.support.hub import Hub
from tmuxhub.accounts.verifier import DjangoTokenVerifier, HubAccessToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_mcp_accepts_a_token_bound_to_it(hub: Hub, mcp_token: str) -> None:
    assert mcp_post(hub, mcp_token).status_code == 200


def test_mcp_refuses_a_token_for_another_resource(hub: Hub, make_user, make_token) -> None:
    token = make_token(make_user(), resource="https://elsewhere.example/mcp")
    assert mcp_post(hub, token).status_code == 401


def test_mcp_refuses_an_expired_token(hub: Hub, make_user, make_token) -> None:
    token = make_token(make_user(), expires_in=-1)
    assert mcp_post(hub, token).status_code == 401


def test_mcp_ignores_a_logged_in_browser_session(oauth: OAuthClient, allow) -> None:
    allow("octocat")
    oauth.registered().tokens()
    assert oauth.logged_in()
    response = oauth.http.post(
        oauth.hub.mcp_url, json=INITIALIZE, headers={"Accept": "application/json, text/event-stream"}
    )
    assert response.status_code == 401


def test_the_verifier_hands_tools_the_person_and_their_tier(
    hub: Hub, make_user, make_token, settings
) -> None:
    user = make_user("erin", tier="readonly")
    token = make_token(user)
    settings.MCP_RESOURCE_URL = (
        hub.mcp_url
    )  # the token is bound to the hub; this process checks its own setting
    verified = asyncio.run(DjangoTokenVerifier().verify_token(token))
    assert isinstance(verified, HubAccessToken)
    assert (verified.user_id, verified.username, verified.tier) == (user.pk, "erin", "readonly")
    assert verified.scopes == ["mcp"]
