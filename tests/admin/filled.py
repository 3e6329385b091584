"""A database as the owner's looks after some weeks: offenders in every state, tool calls of several
people through several clients, a week of refusals. The browser tests screenshot every page with it."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from abuse.categories import Reason
from abuse.models import Enrichment, Offender, ReasonCount, RefusalDay, Report, RequestSample
from bridge.models import ToolCall
from tests.abuse.factories import offender
from tmuxhub.accounts.models import AllowedGitHubUser

PEOPLE = (("octocat", "", True), ("hubot", "readonly", False), ("monalisa", "destructive", False))
CLIENTS = (
    "Claude",
    "Claude",
    "Claude Desktop",
    "MCP Inspector",
    "Claude (official) — click Allow to continue",
)
TOOLS = ("capture_pane", "send_keys", "list_panes", "send_prompt", "run_command", "wait_for_text")
PATHS = ("/wp-login.php", "/.env", "/mcp", "/authorize", "/.git/config", "/phpmyadmin/", "/robots.txt")
AGENTS = ("zgrab/0.x", "Mozilla/5.0 (compatible; Nimbostratus-Bot/v1.3.2)", "python-requests/2.31", "")


def fill(offenders: int = 67, tool_calls: int = 80, seed: int = 17) -> None:
    """Offenders (1 in 4 not enriched, some with lookup errors), tool calls, clients and tokens."""
    rng = random.Random(seed)
    now = timezone.now()
    users = []
    for login, tier, staff in PEOPLE:
        user = get_user_model().objects.create_user(login)
        AllowedGitHubUser.objects.create(github_login=login, tier=tier, is_staff=staff, user=user)
        users.append(user)
    AllowedGitHubUser.objects.create(github_login="newcomer", note="invited, never logged in")
    applications = []
    for index, name in enumerate(CLIENTS):
        application = get_application_model().objects.create(
            name=name,
            client_type="public",
            authorization_grant_type="authorization-code",
            redirect_uris="https://claude.ai/api/mcp/auth_callback",
        )
        applications.append(application)
        user = users[index % len(users)]
        access = get_access_token_model().objects.create(
            user=user,
            application=application,
            token=f"access-{index}",
            scope="mcp",
            expires=now + timedelta(minutes=58 - index * 7),
        )
        get_refresh_token_model().objects.create(
            user=user, application=application, token=f"refresh-{index}", access_token=access
        )
    for index in range(tool_calls):
        user = users[index % len(users)]
        failed = index % 9 == 4
        ToolCall.objects.create(
            user=user,
            username=user.username,
            client_id=applications[index % len(applications)].client_id,
            tool=TOOLS[index % len(TOOLS)],
            arguments_digest=f"{index:064x}",
            outcome=ToolCall.ERROR if failed else ToolCall.OK,
            error="pane %9 is gone" if failed else "",
            duration_ms=rng.choice((0.017, 0.4, 3.2, 18.0, 240.0, 1830.0)),
            created_at=now - timedelta(seconds=index * 97),
        )
    statuses = (
        [Offender.Status.PENDING] * 3
        + [Offender.Status.STAGED] * 3
        + [
            Offender.Status.REPORTED,
            Offender.Status.DISMISSED,
        ]
    )
    for index in range(offenders):
        last = now - timedelta(minutes=index * 41)
        exploit, banned, not_found = rng.randint(0, 3), rng.randint(0, 400), rng.randint(0, 30)
        row = Offender.objects.create(
            ip=f"203.0.113.{index + 1}"
            if index % 11 == 0
            else f"{45 + index % 150}.{index * 7 % 250}.3.{index}",
            status=statuses[index % len(statuses)],
            hits=exploit + banned + not_found + 10,
            sample_count=3,
            first_seen=last - timedelta(hours=rng.randint(1, 72)),
            last_seen=last,
        )
        counts = {
            Reason.THROTTLED: 10,
            Reason.BANNED: banned,
            Reason.EXPLOIT: exploit,
            Reason.NOT_FOUND: not_found,
        }
        ReasonCount.add({(row.pk, reason): n for reason, n in counts.items()})
        for sample in range(3):
            RequestSample.objects.create(
                offender=row,
                at=last - timedelta(seconds=sample),
                method="GET",
                path=PATHS[(index + sample) % len(PATHS)],
                user_agent=AGENTS[(index + sample) % len(AGENTS)],
                reason=Reason.BANNED if sample else Reason.EXPLOIT,
            )
        if index % 4 != 3:
            complete = index % 5 != 2
            Enrichment.objects.create(
                offender=row,
                asn=f"AS{64500 + index % 7}" if complete else Enrichment.UNKNOWN,
                holder="EXAMPLE-HOSTING-AS Example Hosting B.V." if complete else Enrichment.UNKNOWN,
                prefix=f"{45 + index % 150}.{index * 7 % 250}.0.0/16" if complete else Enrichment.UNKNOWN,
                country=("NL", "US", "CN", "DE", "BR")[index % 5] if complete else Enrichment.UNKNOWN,
                rir="RIPE" if complete else Enrichment.UNKNOWN,
                abuse_contact="abuse@example.net" if complete else Enrichment.UNKNOWN,
                errors=[] if complete else ["RIPE Stat: timed out after 10 s"],
                attempts=1 if complete else 3,
            )
        if row.status == Offender.Status.REPORTED:
            Report.objects.create(
                offender=row,
                state=Report.State.SENT,
                categories=[21, 15, 19],
                comment="tmuxhub: probed exploit paths",
                attack_time=last,
                reported_at=last + timedelta(minutes=20),
            )
    today = now.date()
    RefusalDay.add({today - timedelta(days=day): rng.randint(0, 900) for day in range(7) if day != 3})


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
