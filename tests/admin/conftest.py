"""Data the admin pages show: offenders in each state, a week of refusals, live OAuth tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from abuse.categories import Reason
from abuse.models import Enrichment, Offender, RefusalDay, Report, RequestSample
from tmuxhub.accounts.models import AllowedGitHubUser


def offender(ip: str, status: str = Offender.Status.STAGED, hits: int = 42) -> Offender:
    """An offender as the collector and RIPE Stat would leave it: counts, samples, enrichment."""
    last = timezone.now() - timedelta(minutes=10)
    row = Offender.objects.create(
        ip=ip,
        status=status,
        hits=hits,
        banned_hits=hits - 1,
        exploit_hits=1,
        sample_count=2,
        first_seen=last - timedelta(minutes=5),
        last_seen=last,
    )
    for path in ("/wp-login.php", "/.env"):
        RequestSample.objects.create(
            offender=row, at=last, method="GET", path=path, user_agent="zgrab/0.x", reason=Reason.BANNED
        )
    Enrichment.objects.create(
        offender=row, asn="AS64500", holder="EXAMPLE-AS Example Hosting", prefix="8.8.0.0/16", country="NL"
    )
    return row


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


def person_with_token(login: str = "octocat", client: str = "Claude") -> tuple[AllowedGitHubUser, Any]:
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
    )
    get_refresh_token_model().objects.create(
        user=user, application=application, token=f"refresh-{login}", access_token=access
    )
    return entry, access
