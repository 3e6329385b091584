"""Secrets never reach the logs or the audit log, even at DEBUG: a whole OAuth flow, a refresh, tool
calls with the token and with a wrong one, then a grep of everything written for each secret."""

from __future__ import annotations

import pytest

from tests.auth.oauth_client import OAuthClient
from tests.support.hub import call, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


@pytest.fixture
def debug_hub(hub_factory, fake_github):
    from tmuxhub.accounts.models import AllowedGitHubUser

    AllowedGitHubUser.objects.create(github_login="octocat")
    return hub_factory(LOG_LEVEL="DEBUG", **fake_github.env())


@pytest.fixture
def issued(debug_hub, fake_github) -> dict[str, str]:
    """Tokens from the real flow (register, GitHub login, consent, code exchange, refresh)."""
    client = OAuthClient(hub=debug_hub, github=fake_github).registered()
    try:
        first = client.tokens()
        refreshed = client.refresh(first["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        second = refreshed.json()
    finally:
        client.close()
    return {
        "first access token": first["access_token"],
        "first refresh token": first["refresh_token"],
        "access token": second["access_token"],
        "refresh token": second["refresh_token"],
        "GitHub's token": next(iter(fake_github.tokens)),
        "GitHub client secret": fake_github.client_secret,
    }


def audit_text() -> str:
    from django.db import connection

    from bridge.models import ToolCall

    try:
        return "\n".join(str(row) for row in ToolCall.objects.values())
    finally:
        connection.close()  # this worker thread's own: the test database is dropped at the end


async def test_no_token_is_ever_logged_or_audited(debug_hub, issued, shell_pane) -> None:
    from asgiref.sync import sync_to_async

    async with mcp_session(debug_hub, issued["access token"]) as session:
        await call(session, "capture_pane", pane=shell_pane.pane_id, lines=3)
        await session.call_tool("capture_pane", {"pane": "%999"})  # a failing call is audited too
    with pytest.raises(Exception):  # noqa: B017, PT011 (the SDK raises its own error for a 401)
        async with mcp_session(debug_hub, issued["first access token"]):  # revoked by the refresh
            pass

    debug_hub.process.terminate()  # the audit writer flushes at shutdown
    debug_hub.process.wait(timeout=15)
    logged = debug_hub.log()
    audited = await sync_to_async(audit_text)()

    assert "DEBUG" in logged and "capture_pane" in audited  # both were written, at full detail
    for name, secret in issued.items():
        assert secret not in logged, f"{name} is in the hub's log"
        assert secret not in audited, f"{name} is in the audit log"
