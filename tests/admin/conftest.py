"""Data the admin pages show: offenders in each state, a week of refusals, live OAuth tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from abuse.models import Offender, RefusalDay, Report
from tests.abuse.factories import offender
from tests.fakes.github import FakeGitHub
from tests.fixtures.abuse_services import AbuseServices
from tests.support.hub import Hub, start_hub
from tmuxhub.accounts.models import AllowedGitHubUser

OWNER = ("owner", "correct horse battery staple")


@pytest.fixture(scope="session")
def admin_hub(
    django_db_setup: None, tmux_socket: str, fake_github_server: FakeGitHub, abuse_servers: AbuseServices
) -> Iterator[Hub]:
    """A hub as the owner runs it: GitHub login (the fake) and AbuseIPDB reporting (the fake)."""
    env = {**fake_github_server.env(), **abuse_servers.env}
    with start_hub(tmux_socket=tmux_socket, extra_env=env) as running:
        yield running


def force_login(client: Client, user: Any) -> Client:
    """`Client.force_login` with axes looking away: its request has no address, and axes' log of
    the login cannot store one it cannot parse on PostgreSQL."""
    with override_settings(AXES_ENABLED=False):
        client.force_login(user)
    return client


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    """pytest-django's `admin_client`, logged in through `force_login` above."""
    return force_login(client, admin_user)


@pytest.fixture
def owner(transactional_db: None) -> Any:
    """The first superuser, who logs in with a password."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(OWNER[0], password=OWNER[1])


def log_in(page: Any, hub: Hub) -> None:
    """Log the owner in through the admin's password form."""
    page.goto(f"{hub.url}/admin/login/?next=/admin/")
    page.fill("#id_username", OWNER[0])
    page.fill("#id_password", OWNER[1])
    page.click("#login-form input[type=submit]")
    page.wait_for_url(f"{hub.url}/admin/")


def week_of_abuse() -> dict[str, Any]:
    """Two pending, one staged, one reported offender; refusals on three days, one report today."""
    today = timezone.now().date()
    pending = [offender("8.8.4.4", Offender.Status.PENDING), offender("8.8.8.8", Offender.Status.PENDING)]
    staged = offender("9.9.9.9")
    reported = offender("1.1.1.1", Offender.Status.REPORTED)
    Report.objects.create(
        offender=reported,
        state=Report.State.SENT,
        categories=[21, 15],
        comment="tmuxhub: test",
        attack_time=reported.last_seen,
        reported_at=timezone.now(),
    )
    RefusalDay.add({today: 120, today - timedelta(days=2): 30, today - timedelta(days=6): 5})
    return {"pending": pending, "staged": staged, "reported": reported}


def person_with_token(
    login: str = "octocat", client: str = "Claude", resource: str = ""
) -> tuple[AllowedGitHubUser, Any]:
    """An allow-listed person holding one live access token (with its refresh token) of a client."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(login)
    entry = AllowedGitHubUser.objects.create(github_login=login, user=user)
    application = get_application_model().objects.create(
        name=client,
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="https://claude.ai/api/mcp/auth_callback",
    )
    access = get_access_token_model().objects.create(
        user=user,
        application=application,
        token=f"access-{login}",
        scope="mcp",
        expires=timezone.now() + timedelta(hours=1),
        resource=[resource] if resource else [],
    )
    get_refresh_token_model().objects.create(
        user=user, application=application, token=f"refresh-{login}", access_token=access
    )
    return entry, access
