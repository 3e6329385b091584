"""People: who is allow-listed, their live tokens, and revoking them from the admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from bridge.models import ToolCall
from tests.support.people import force_login, person_with_token
from tmuxhub.accounts.models import TIER_CHOICES, AllowedGitHubUser

pytestmark = pytest.mark.django_db


def test_it_lists_people_with_their_tokens_and_clients(admin_client: Client) -> None:
    person_with_token("octocat", "Claude")
    person_with_token("hubot", "MCP Inspector")

    html = admin_client.get("/admin/people/").content.decode()

    octocat = html.split('id="person-octocat"')[1]
    assert "Claude" in octocat.split('id="person-')[0]
    assert "MCP Inspector" in html.split('id="person-hubot"')[1].split('id="person-')[0]


def test_it_names_the_tier_and_says_how_long_a_sign_in_lasts(admin_client: Client, settings) -> None:
    entry, access = person_with_token("octocat", "Claude")
    person_with_token("hubot", "Claude")
    AllowedGitHubUser.objects.filter(github_login="hubot").update(tier="readonly")
    ToolCall.objects.create(
        user=entry.user, username="octocat", client_id=access.application.client_id, tool="list_panes",
        arguments_digest="0" * 64, outcome=ToolCall.OK, duration_ms=1.0,
        created_at=timezone.now() - timedelta(minutes=3),
    )  # fmt: skip
    # An access token that expired an hour ago still renews through its refresh token: signed in.
    access.expires = timezone.now() - timedelta(hours=1)
    access.save()

    html = admin_client.get("/admin/people/").content.decode()

    octocat = html.split('id="person-octocat"')[1].split('id="person-')[0]
    hubot = html.split('id="person-hubot"')[1]
    assert f"server tier: {dict(TIER_CHOICES)[settings.TMUXHUB_SAFETY_TIER]}" in octocat
    assert "read-only: look, never touch" in hubot
    assert "3\xa0minutes ago" in octocat and "no tool call yet" in hubot
    assert "expired, renews at next use" in octocat
    ends = access.expires + timedelta(seconds=settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"])
    assert f"{ends:%-d %b %Y}" in octocat and "if unused" in octocat
    assert "renews in 59\xa0minutes" in hubot


def test_revoke_buttons_ask_first(admin_client: Client) -> None:
    person_with_token("octocat", "Claude")

    html = admin_client.get("/admin/people/").content.decode()

    assert "data-confirm=\"End octocat's sign-in through Claude?" in html
    assert "data-confirm=\"End all of octocat's sign-ins?" in html


def test_revoking_a_token_ends_it_and_its_refresh_token(admin_client: Client) -> None:
    _, access = person_with_token()

    response = admin_client.post(f"/admin/people/tokens/{access.pk}/revoke")

    assert response.status_code == 302 and response["Location"] == "/admin/people/"  # where it started
    assert not get_access_token_model().objects.filter(pk=access.pk).exists()
    assert get_refresh_token_model().objects.get(token="refresh-octocat").revoked is not None


def test_revoking_needs_a_post_with_the_csrf_token(django_user_model) -> None:
    _, access = person_with_token()
    client = Client(enforce_csrf_checks=True)
    force_login(client, django_user_model.objects.create_superuser("admin", password="x"))

    assert client.get(f"/admin/people/tokens/{access.pk}/revoke").status_code == 405
    assert client.post(f"/admin/people/tokens/{access.pk}/revoke").status_code == 403
    assert get_access_token_model().objects.filter(pk=access.pk).exists()


def test_revoking_all_of_a_person_returns_to_the_people_page(admin_client: Client) -> None:
    entry, access = person_with_token()

    response = admin_client.post(f"/admin/people/{entry.pk}/revoke")

    assert response.status_code == 302 and response["Location"] == "/admin/people/"
    assert not get_access_token_model().objects.filter(pk=access.pk).exists()


def test_the_client_list_names_who_holds_each_clients_tokens(admin_client: Client) -> None:
    _, access = person_with_token("octocat", "Claude")
    person_with_token("hubot", "Claude")

    html = admin_client.get("/admin/oauth2_provider/application/").content.decode()

    assert html.count("octocat") == 1 and html.count("hubot") == 1
    assert access.application.client_id not in html  # on the client's page, not in the list


def test_the_allow_list_names_the_server_tier(admin_client: Client, settings) -> None:
    person_with_token("octocat", "Claude")

    html = admin_client.get("/admin/accounts/allowedgithubuser/").content.decode()

    assert f"server tier: {dict(TIER_CHOICES)[settings.TMUXHUB_SAFETY_TIER]}" in html
