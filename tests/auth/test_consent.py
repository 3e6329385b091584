"""The consent page, the screen that decides who gets a shell: shown every time, saying what it grants."""

from __future__ import annotations

import pytest

from tests.auth.oauth_client import OAuthClient, form_fields

pytestmark = pytest.mark.django_db(transaction=True)

OTHER_CALLBACK = "http://127.0.0.1:6274/oauth/callback"


@pytest.mark.parametrize("redirect_uri", [None, OTHER_CALLBACK])
def test_consent_is_asked_every_time_even_with_approval_prompt_auto(
    client: OAuthClient, redirect_uri: str | None
) -> None:
    client.register(redirect_uris=[client.redirect_uri, OTHER_CALLBACK])
    client.tokens()  # consented once; the client now holds a live token
    if redirect_uri:
        client.redirect_uri = redirect_uri

    page = client.get(client.authorization_request(approval_prompt="auto").url)

    assert page.status_code == 200, page.headers.get("location")
    _, fields = form_fields(page.text)
    assert "allow" not in fields and fields["redirect_uri"] == client.redirect_uri


def test_an_authorization_request_must_name_its_redirect_uri(client: OAuthClient) -> None:
    client.tokens()
    page = client.get(client.authorization_request(redirect_uri=None).url)  # type: ignore[arg-type]
    assert page.status_code == 400
    assert "redirect" in page.text.lower()
    assert "location" not in page.headers
