"""The admin manages the allow-list, and lists OAuth clients and tokens with revoke actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from tests.support.people import person_with_token
from tmuxhub.accounts.models import AllowedGitHubUser

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_of_octocat() -> tuple[AllowedGitHubUser, Any]:
    """octocat, allow-listed, with a client and a live access + refresh token pair."""
    entry, access = person_with_token("octocat", "Claude")
    return entry, access.application


def _live_tokens() -> int:
    return int(get_access_token_model().objects.count())


def test_the_client_list_shows_clients_and_revokes_all_their_tokens(
    admin_client: Client, session_of_octocat
) -> None:
    _, application = session_of_octocat
    listing = admin_client.get("/admin/oauth2_provider/application/")
    assert listing.status_code == 200
    assert "Claude" in listing.content.decode()

    admin_client.post(
        "/admin/oauth2_provider/application/",
        {"action": "revoke_all_tokens", "_selected_action": [application.pk]},
    )

    assert _live_tokens() == 0
    assert get_refresh_token_model().objects.get(token="refresh-octocat").revoked is not None


def test_deleting_an_allow_list_entry_in_the_admin_revokes_its_tokens(
    admin_client: Client, session_of_octocat
) -> None:
    entry, _ = session_of_octocat
    response = admin_client.post(f"/admin/accounts/allowedgithubuser/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AllowedGitHubUser.objects.exists()
    assert _live_tokens() == 0


def test_the_allow_list_action_revokes_tokens_but_keeps_the_person(
    admin_client: Client, session_of_octocat
) -> None:
    entry, _ = session_of_octocat
    admin_client.post(
        "/admin/accounts/allowedgithubuser/", {"action": "revoke_tokens", "_selected_action": [entry.pk]}
    )
    assert _live_tokens() == 0
    assert AllowedGitHubUser.objects.filter(pk=entry.pk).exists()
