"""`/authorize`: PKCE S256, registered redirect URIs, one resource, and the person's consent."""

from __future__ import annotations

import pytest

from tests.auth.oauth_client import OAuthClient, mcp_post, pkce_pair, query_of

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_sends_a_person_who_is_not_logged_in_to_github(client: OAuthClient) -> None:
    response = client.get(client.authorization_request().url)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/accounts/login/?next=/authorize")


def test_it_refuses_plain_pkce(client: OAuthClient) -> None:
    verifier, _ = pkce_pair()
    request = client.authorization_request(code_challenge=verifier, code_challenge_method="plain")
    outcome = client.consent(client.log_in_with_github(request.url))
    assert outcome.status_code == 302
    answer = query_of(outcome.headers["location"])
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_it_refuses_a_request_without_pkce(client: OAuthClient) -> None:
    request = client.authorization_request(code_challenge=None, code_challenge_method=None)  # type: ignore[arg-type]
    outcome = client.log_in_with_github(request.url)
    assert outcome.status_code == 302
    answer = query_of(outcome.headers["location"])
    assert answer["error"] == "invalid_request"
    assert "code" not in answer


def test_it_never_redirects_to_an_unregistered_redirect_uri(client: OAuthClient) -> None:
    request = client.authorization_request(
        redirect_uri="https://claude.ai.evil.example/api/mcp/auth_callback"
    )
    page = client.log_in_with_github(request.url)
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "invalid_request" in page.text


def test_it_refuses_a_resource_other_than_its_mcp_endpoint(client: OAuthClient) -> None:
    request = client.authorization_request(resource="https://elsewhere.example/mcp")
    page = client.log_in_with_github(request.url)
    assert page.status_code == 400
    assert "Unknown resource" in page.text
    assert "location" not in page.headers


def test_a_missing_resource_means_the_mcp_endpoint(client: OAuthClient) -> None:
    code, request = client.authorize(resource=None)  # type: ignore[arg-type]
    tokens = client.exchange(code, request.verifier, resource="")
    assert tokens.status_code == 200, tokens.text
    assert mcp_post(client.hub, tokens.json()["access_token"]).status_code == 200


def test_cancelling_at_the_consent_page_gives_no_code(client: OAuthClient) -> None:
    request = client.authorization_request()
    outcome = client.consent(client.log_in_with_github(request.url), allow=False)
    assert outcome.status_code == 302
    answer = query_of(outcome.headers["location"])
    assert answer["error"] == "access_denied"
    assert "code" not in answer


def test_the_consent_page_names_the_client_and_where_it_redirects(client: OAuthClient) -> None:
    client.redirect_uri = "http://127.0.0.1:6274/oauth/callback"
    client.register(client_name="MCP Inspector", redirect_uris=[client.redirect_uri])
    page = client.log_in_with_github(client.authorization_request().url)
    assert page.status_code == 200
    assert "MCP Inspector" in page.text
    assert "127.0.0.1:6274" in page.text
    assert "octocat" in page.text
