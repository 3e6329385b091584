"""Only allow-listed GitHub accounts get in; leaving the list (or being deactivated) ends access at once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from oauth2_provider.models import get_grant_model

from tests.auth.oauth_client import OAuthClient, mcp_post
from tmuxhub.accounts.models import AllowedGitHubUser

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_person_not_on_the_allow_list_gets_a_clear_page_and_no_code(oauth: OAuthClient, allow) -> None:
    allow("octocat")
    oauth.github.login_as("mallory", 666)
    page = oauth.registered().log_in_with_github(oauth.authorization_request().url)
    assert page.status_code == 403
    assert "Not on the allow-list" in page.text
    assert "location" not in page.headers
    assert not get_user_model().objects.filter(username="mallory").exists()
    assert not get_grant_model().objects.exists()


def test_first_login_pins_the_github_id_and_links_the_account(oauth: OAuthClient, allow) -> None:
    allow("OctoCat")
    oauth.registered().tokens()
    entry = AllowedGitHubUser.objects.get(github_login="octocat")
    assert entry.github_id == 583231
    assert entry.user is not None
    assert entry.user.username == "octocat"


def test_a_renamed_github_login_keeps_its_access(oauth: OAuthClient, allow) -> None:
    allow("oldname", github_id=4242)
    oauth.github.login_as("newname", 4242)
    tokens = oauth.registered().tokens()
    assert mcp_post(oauth.hub, tokens["access_token"]).status_code == 200
    assert AllowedGitHubUser.objects.get(github_id=4242).github_login == "newname"


def test_someone_who_takes_over_a_renamed_login_is_refused(oauth: OAuthClient, allow) -> None:
    allow("octocat", github_id=583231)
    oauth.github.login_as("octocat", 999)
    page = oauth.registered().log_in_with_github(oauth.authorization_request().url)
    assert page.status_code == 403


def test_removing_a_person_from_the_allow_list_kills_their_tokens_at_once(oauth: OAuthClient, allow) -> None:
    allow("octocat")
    tokens = oauth.registered().tokens()
    assert mcp_post(oauth.hub, tokens["access_token"]).status_code == 200

    AllowedGitHubUser.objects.filter(github_login="octocat").delete()

    assert mcp_post(oauth.hub, tokens["access_token"]).status_code == 401
    assert oauth.refresh(tokens["refresh_token"]).status_code == 400
    # Their browser session ended too: the consent page sends them to log in again.
    page = oauth.get(oauth.authorization_request().url)
    assert page.status_code == 302
    assert page.headers["location"].startswith("/accounts/login/")


def test_deactivating_a_person_kills_their_tokens_at_once(oauth: OAuthClient, allow) -> None:
    allow("octocat")
    tokens = oauth.registered().tokens()
    user = get_user_model().objects.get(username="octocat")
    user.is_active = False
    user.save()
    assert mcp_post(oauth.hub, tokens["access_token"]).status_code == 401
    assert oauth.refresh(tokens["refresh_token"]).status_code == 400


def test_mcp_refuses_a_live_token_of_someone_no_longer_listed(hub, make_user, make_token) -> None:
    user = make_user("dana")
    token = make_token(user)
    # Unlinking does not revoke (only deleting does): the verifier must refuse on its own.
    AllowedGitHubUser.objects.filter(user=user).update(user=None)
    assert mcp_post(hub, token).status_code == 401


def test_migrate_seeds_the_allow_list_without_touching_admin_entries(settings) -> None:
    AllowedGitHubUser.objects.create(github_login="carol", tier="readonly", note="added in the admin")
    settings.TMUXHUB_ALLOWED_GITHUB_USERS = ["Alice", " bob ", "carol"]
    call_command("migrate", verbosity=0)
    assert sorted(AllowedGitHubUser.objects.values_list("github_login", flat=True)) == [
        "alice",
        "bob",
        "carol",
    ]
    carol = AllowedGitHubUser.objects.get(github_login="carol")
    assert (carol.tier, carol.note) == ("readonly", "added in the admin")


def test_a_cancelled_github_login_shows_a_page_not_an_error(oauth: OAuthClient) -> None:
    page = oauth.get("/complete/github/?error=access_denied&state=whatever")
    assert page.status_code == 400
    assert "GitHub login did not complete" in page.text
