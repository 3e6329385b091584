"""People as the admin and the OAuth flow leave them: an allow-listed person holding a live token, the
owner who logs in with a password, a test client logged in without axes in the way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client, override_settings
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from tests.support.hub import Hub
from tmuxhub.accounts.models import AllowedGitHubUser

OWNER = ("owner", "correct horse battery staple")


def force_login(client: Client, user: Any) -> Client:
    """`Client.force_login` with axes looking away: its request has no address, and axes' log of
    the login cannot store one it cannot parse on PostgreSQL."""
    with override_settings(AXES_ENABLED=False):
        client.force_login(user)
    return client


def log_in(page: Any, hub: Hub) -> None:
    """Log the owner in through the admin's password form."""
    page.goto(f"{hub.url}/admin/login/?next=/admin/")
    page.fill("#id_username", OWNER[0])
    page.fill("#id_password", OWNER[1])
    page.click("#login-form input[type=submit]")
    page.wait_for_url(f"{hub.url}/admin/")


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
