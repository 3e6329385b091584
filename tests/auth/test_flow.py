"""The whole connection as Claude makes it: discovery → DCR → authorize → GitHub → consent → token →
tools/call → refresh → revoke → 401."""

from __future__ import annotations

import pytest

from tests.auth.oauth_client import OAuthClient, call_tool, mcp_post, query_of, resource_metadata_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_on_the_allow_list_connects_claude_end_to_end(oauth: OAuthClient, allow, tmux) -> None:
    allow("octocat")
    hub = oauth.hub

    # Discovery starts from a 401 at /mcp.
    unauthenticated = mcp_post(hub, token=None)
    assert unauthenticated.status_code == 401
    resource_metadata = oauth.get(resource_metadata_url(unauthenticated))
    assert resource_metadata.status_code == 200
    assert resource_metadata.json()["resource"] == hub.mcp_url
    assert resource_metadata.json()["authorization_servers"] == [hub.url]
    # The driver uses the endpoints advertised here; test_discovery checks the whole document.
    metadata = oauth.authorization_server_metadata()
    assert metadata["issuer"] == hub.url
    assert (metadata["registration_endpoint"], metadata["token_endpoint"]) == (
        f"{hub.url}/register",
        f"{hub.url}/token",
    )

    # Dynamic registration gives a public client.
    registration = oauth.register()
    assert registration.status_code == 201, registration.text
    assert registration.json()["token_endpoint_auth_method"] == "none"
    assert "client_secret" not in registration.json()

    # Authorize: GitHub login, then the consent page names the client and where it sends you.
    request = oauth.authorization_request()
    consent_page = oauth.log_in_with_github(request.url)
    assert consent_page.status_code == 200, consent_page.text
    assert "Claude" in consent_page.text
    assert "claude.ai" in consent_page.text
    redirect = oauth.consent(consent_page)
    assert redirect.status_code == 302
    answer = query_of(redirect.headers["location"])
    assert redirect.headers["location"].startswith("https://claude.ai/api/mcp/auth_callback?")
    assert answer["state"] == request.state
    assert answer["iss"] == hub.url

    # Token, bound to /mcp, lives an hour.
    token_response = oauth.exchange(answer["code"], request.verifier)
    assert token_response.status_code == 200, token_response.text
    tokens = token_response.json()
    assert tokens["token_type"] == "Bearer"
    assert 3500 < tokens["expires_in"] <= 3600

    # A real MCP tools/call as that person.
    tmux.new_session(session_name="flow")
    sessions = call_tool(hub, tokens["access_token"], "tmux_list_sessions")
    assert sessions["sessions"], sessions  # it sees the session just made

    # Refresh rotates both tokens; the new access token works.
    refreshed = oauth.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    new_tokens = refreshed.json()
    assert new_tokens["refresh_token"] != tokens["refresh_token"]
    assert mcp_post(hub, new_tokens["access_token"]).status_code == 200

    # Revocation ends it: /mcp answers 401 with the discovery pointer again.
    revoked = oauth.revoke(new_tokens["access_token"])
    assert revoked.status_code == 200, revoked.text
    after = mcp_post(hub, new_tokens["access_token"])
    assert after.status_code == 401
    assert resource_metadata_url(after) == f"{hub.url}/.well-known/oauth-protected-resource/mcp"
