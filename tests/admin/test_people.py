"""People: who is allow-listed, their live tokens, and revoking them from the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from .conftest import person_with_token

pytestmark = pytest.mark.django_db


def test_it_lists_people_with_their_tokens_and_clients(admin_client: Client) -> None:
    person_with_token("octocat", "Claude")
    person_with_token("hubot", "MCP Inspector")

    html = admin_client.get("/admin/people/").content.decode()

    octocat = html.split('id="person-octocat"')[1]
    assert "Claude" in octocat.split('id="person-')[0]
    assert "MCP Inspector" in html.split('id="person-hubot"')[1].split('id="person-')[0]


def test_revoking_a_token_ends_it_and_its_refresh_token(admin_client: Client) -> None:
    _, access = person_with_token()

    response = admin_client.post(f"/admin/people/tokens/{access.pk}/revoke")

    assert response.status_code == 302
    assert not get_access_token_model().objects.filter(pk=access.pk).exists()
    assert get_refresh_token_model().objects.get(token="refresh-octocat").revoked is not None


def test_revoking_needs_a_post_with_the_csrf_token(django_user_model) -> None:
    _, access = person_with_token()
    client = Client(enforce_csrf_checks=True)
    client.force_login(django_user_model.objects.create_superuser("admin", password="x"))

    assert client.get(f"/admin/people/tokens/{access.pk}/revoke").status_code == 405
    assert client.post(f"/admin/people/tokens/{access.pk}/revoke").status_code == 403
    assert get_access_token_model().objects.filter(pk=access.pk).exists()
