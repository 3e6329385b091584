"""Fixtures of the auth tests: an OAuth client driving the GitHub-login hub, and allow-list entries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.oauth_client import OAuthClient
from tests.fakes.github import FakeGitHub
from tests.support.hub import Hub


@pytest.fixture(autouse=True)
def fresh_dcr_quota() -> None:
    """Registrations from 127.0.0.1 add up across tests; each test starts with the full quota."""
    from tmuxhub.accounts import ratelimit, views

    ratelimit.reset(views.DCR_BUCKET, "127.0.0.1", views.DCR_WINDOW_SECONDS)


@pytest.fixture
def anonymous(github_hub: Hub, fake_github: FakeGitHub) -> Iterator[OAuthClient]:
    """An unregistered client with its own cookie jar (a fresh browser), for requests the hub
    refuses before writing anything: no database clean-up needed."""
    client = OAuthClient(hub=github_hub, github=fake_github)
    yield client
    client.close()


@pytest.fixture
def oauth(anonymous: OAuthClient, transactional_db: None) -> OAuthClient:
    """An unregistered client whose requests change the database (cleaned after the test)."""
    return anonymous


@pytest.fixture
def client(oauth: OAuthClient, allow) -> OAuthClient:
    """A registered client whose person, octocat, is on the allow-list."""
    allow("octocat")
    return oauth.registered()


@pytest.fixture
def allow(transactional_db: None):
    """Put a GitHub login on the allow-list."""
    from tmuxhub.accounts.models import AllowedGitHubUser

    def make(login: str = "octocat", tier: str = "", github_id: int | None = None) -> AllowedGitHubUser:
        return AllowedGitHubUser.objects.create(github_login=login, tier=tier, github_id=github_id)

    return make
