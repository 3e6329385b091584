"""A database as a past release left it, with data, for the upgrade test.

Run as a program against the database its environment names (`DJANGO_SETTINGS_MODULE=tmuxhub.settings`,
`DATABASE_URL` or `TMUXHUB_DATA_DIR`), it prints JSON on stdout:

    python -m tests.operations.releases build 2026-11-25 http://127.0.0.1:PORT/mcp
        migrates an empty database to that release's schema (third-party apps at their newest; their
        versions have not changed since), then writes what a hub of that release held: a person on the
        allow-list, a registered client, an access and a refresh token (stored as that release stored
        them), offenders with reports, samples and enrichment, 429 days, audit rows. Prints the tokens
        and `snapshot`.
    python -m tests.operations.releases snapshot
        the same rows read through the current code's schema, in the same shape.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

# Each release's newest migration of each tmuxhub app, from its commits (git log of */migrations).
RELEASES: dict[str, dict[str, str]] = {
    "2026-11-25": {"accounts": "0002_allow_list_user", "abuse": "0002_refusalday", "bridge": "0001_initial"},
    "2026-12-02": {"accounts": "0004_cache_table", "abuse": "0006_reason_counts", "bridge": "0001_initial"},
}
# abuse 0006 turned these offender columns into ReasonCount rows.
REASON_COLUMNS = {
    "throttled_hits": "throttled",
    "banned_hits": "banned",
    "exploit_hits": "exploit",
    "not_found_hits": "not_found",
    "auth_failures": "auth_failure",
}
# Public addresses (a private one would become "not reportable" on upgrade, on purpose).
OFFENDERS = ("193.0.6.139", "2001:67c:2e8:22::c100:68b", "185.199.108.153")
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def _migrate_to(release: str) -> Any:
    """Migrate the database to `release`; the historical models of that state."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    ours = RELEASES[release]
    targets = [(app, ours.get(app, name)) for app, name in executor.loader.graph.leaf_nodes()]
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _seed(apps: Any, release: str, resource: str) -> dict[str, str]:
    user = apps.get_model("auth", "User").objects.create(username="octocat", is_active=True)
    apps.get_model("accounts", "AllowedGitHubUser").objects.create(github_login="octocat", user=user)
    application = apps.get_model("oauth2_provider", "Application").objects.create(
        client_id="upgrade-client",
        name="Claude",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="https://claude.ai/api/mcp/auth_callback",
    )
    hashed = release != "2026-11-25"  # from 2026-12-02 on, tokens are stored as checksums only
    tokens = {"access": f"access-{uuid.uuid4().hex}", "refresh": f"refresh-{uuid.uuid4().hex}"}

    def token_columns(raw: str) -> dict[str, str]:
        checksum = hashlib.sha256(raw.encode()).hexdigest()
        return {"token": "" if hashed else raw, "token_checksum": checksum}

    access = apps.get_model("oauth2_provider", "AccessToken").objects.create(
        user=user,
        application=application,
        scope="mcp",
        expires=datetime.now(UTC) + timedelta(hours=1),
        resource=[resource],
        **token_columns(tokens["access"]),
    )
    apps.get_model("oauth2_provider", "RefreshToken").objects.create(
        user=user,
        application=application,
        access_token=access,
        token_family=uuid.uuid4(),
        resource=[resource],
        **token_columns(tokens["refresh"]),
    )
    _seed_abuse(apps, release)
    for number in range(3):
        apps.get_model("bridge", "ToolCall").objects.create(
            created_at=T0 + timedelta(minutes=number),
            user=user,
            username="octocat",
            client_id="upgrade-client",
            tool=("capture_pane", "send_keys", "kill_session")[number],
            arguments_digest=hashlib.sha256(str(number).encode()).hexdigest(),
            outcome="error" if number == 2 else "ok",
            error="no such session: =main" if number == 2 else "",
            duration_ms=1.5 + number,
        )
    return {**tokens, "client_id": application.client_id}


def _seed_abuse(apps: Any, release: str) -> None:
    offender_model = apps.get_model("abuse", "Offender")
    old_columns = "throttled_hits" in {field.name for field in offender_model._meta.fields}
    for number, ip in enumerate(OFFENDERS):
        counts = {"throttled": 40 + number, "not_found": 30 * number, "exploit": number}
        offender = offender_model.objects.create(
            ip=ip,
            status=("pending", "staged", "reported")[number],
            hits=sum(counts.values()),
            sample_count=2,
            first_seen=T0 + timedelta(hours=number),
            last_seen=T0 + timedelta(hours=number, minutes=5),
            note=f"note {number}",
            **(
                {column: counts.get(reason, 0) for column, reason in REASON_COLUMNS.items()}
                if old_columns
                else {}
            ),
        )
        if not old_columns:
            for reason, count in counts.items():
                if count:
                    apps.get_model("abuse", "ReasonCount").objects.create(
                        offender=offender, reason=reason, count=count
                    )
        for sample in range(2):
            apps.get_model("abuse", "RequestSample").objects.create(
                offender=offender,
                at=T0 + timedelta(hours=number, seconds=sample),
                method="GET",
                path=f"/wp-login.php?{sample}",
                user_agent="scanner/1.0",
                reason=("throttled", "exploit")[sample],
            )
        if number:
            apps.get_model("abuse", "Enrichment").objects.create(
                offender=offender,
                asn="AS3333",
                holder="RIPE-NCC-AS",
                prefix="193.0.0.0/21",
                country="NL",
                rir="RIPE NCC",
                abuse_contact="abuse@ripe.net",
                looked_up_at=T0 + timedelta(hours=number, minutes=10),
                errors=[],
                attempts=1,
            )
        if number == 2:
            apps.get_model("abuse", "Report").objects.create(
                offender=offender,
                state="sent",
                categories=[19, 21],
                comment="tmuxhub: 42 requests to exploit paths",
                attack_time=offender.last_seen,
                response={"data": {"ipAddress": ip, "abuseConfidenceScore": 52}},
                attempts=1,
                created_at=T0 + timedelta(hours=3),
                reported_at=T0 + timedelta(hours=3, seconds=1),
            )
    for day in range(3):
        apps.get_model("abuse", "RefusalDay").objects.create(
            day=date(2026, 11, 20 + day), refused=100 * day + 7
        )


def snapshot(apps: Any) -> dict[str, Any]:
    """What must survive an upgrade, in one shape whatever the schema: every row the seed wrote."""

    def rows(label: str, *fields: str, order: str = "id") -> list[dict[str, Any]]:
        return list(apps.get_model(*label.split(".")).objects.order_by(order).values(*fields))

    offender_model = apps.get_model("abuse", "Offender")
    old_columns = "throttled_hits" in {field.name for field in offender_model._meta.fields}
    offenders = rows(
        "abuse.Offender", "id", "ip", "status", "hits", "sample_count", "first_seen", "last_seen", "note"
    )
    for offender in offenders:
        if old_columns:
            values = offender_model.objects.values(*REASON_COLUMNS).get(pk=offender["id"])
            offender["counts"] = {REASON_COLUMNS[c]: n for c, n in values.items() if n}
        else:
            counts = apps.get_model("abuse", "ReasonCount").objects.filter(offender_id=offender["id"])
            offender["counts"] = dict(counts.values_list("reason", "count"))
    return {
        "people": rows("accounts.AllowedGitHubUser", "github_login", "user__username", "tier", "is_staff"),
        "clients": rows("oauth2_provider.Application", "client_id", "name", "client_type", "redirect_uris"),
        "access_tokens": rows(
            "oauth2_provider.AccessToken", "token_checksum", "expires", "scope", "resource"
        ),
        "refresh_tokens": rows(
            "oauth2_provider.RefreshToken", "token_checksum", "revoked", "access_token_id"
        ),
        "offenders": offenders,
        "samples": rows(
            "abuse.RequestSample", "offender__ip", "at", "method", "path", "user_agent", "reason"
        ),
        "enrichment": rows(
            "abuse.Enrichment",
            "offender__ip",
            "asn",
            "holder",
            "prefix",
            "country",
            "rir",
            "abuse_contact",
            "looked_up_at",
            "errors",
            "attempts",
        ),
        "reports": rows(
            "abuse.Report",
            "offender__ip",
            "state",
            "categories",
            "comment",
            "attack_time",
            "response",
            "error",
            "attempts",
            "created_at",
            "reported_at",
        ),
        "refusal_days": rows("abuse.RefusalDay", "day", "refused"),
        "audit": rows(
            "bridge.ToolCall",
            "created_at",
            "user__username",
            "username",
            "client_id",
            "tool",
            "arguments_digest",
            "outcome",
            "error",
            "duration_ms",
        ),
    }


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    import django
    from django.core.serializers.json import DjangoJSONEncoder

    django.setup()
    if argv[0] == "build":
        apps = _migrate_to(argv[1])
        result: dict[str, Any] = {"tokens": _seed(apps, argv[1], argv[2]), "snapshot": snapshot(apps)}
    else:
        from django.apps import apps as current

        result = {"snapshot": snapshot(current)}
    json.dump(result, sys.stdout, cls=DjangoJSONEncoder)


if __name__ == "__main__":
    main(sys.argv[1:])
