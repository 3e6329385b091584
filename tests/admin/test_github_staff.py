"""Who runs the admin after a GitHub login is the allow-list's `is_staff` checkbox, both ways."""

from __future__ import annotations

import pytest

from tmuxhub.accounts.models import AllowedGitHubUser
from tmuxhub.accounts.pipeline import link_allow_list_entry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("staff", [True, False])
def test_the_allow_list_decides_admin_access_at_each_login(django_user_model, staff: bool) -> None:
    user = django_user_model.objects.create_user("octocat", is_staff=not staff, is_superuser=not staff)
    entry = AllowedGitHubUser.objects.create(github_login="octocat", is_staff=staff)

    link_allow_list_entry(uid="583231", details={"username": "octocat"}, allow_list_entry=entry, user=user)

    user.refresh_from_db()
    assert (user.is_staff, user.is_superuser) == (staff, staff)


@pytest.mark.parametrize("client_id", ["", "a-github-app"])
def test_the_admin_login_offers_github_only_when_a_github_app_is_set(
    client, settings, client_id: str
) -> None:
    settings.SOCIAL_AUTH_GITHUB_KEY = client_id

    html = client.get("/admin/login/?next=/admin/").content.decode()

    assert ("Log in with GitHub" in html) == bool(client_id)
    assert 'name="password"' in html  # the first superuser's way in stays
