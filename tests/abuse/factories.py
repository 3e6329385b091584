"""Offenders in a given state, as the collector and enrichment would have left them."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from abuse.categories import Reason
from abuse.models import Enrichment, Offender, ReasonCount, RequestSample


def offender(
    ip: str, status: str = Offender.Status.STAGED, quiet_for: float = 120, enriched: bool = True
) -> Offender:
    last = timezone.now() - timedelta(seconds=quiet_for)
    row = Offender.objects.create(
        ip=ip,
        status=status,
        hits=42,
        sample_count=2,
        first_seen=last - timedelta(minutes=5),
        last_seen=last,
    )
    ReasonCount.add({(row.pk, Reason.BANNED): 41, (row.pk, Reason.EXPLOIT): 1})
    for path in ("/wp-login.php", "/.env"):
        RequestSample.objects.create(
            offender=row, at=last, method="GET", path=path, user_agent="zgrab/0.x", reason=Reason.BANNED
        )
    if enriched:
        Enrichment.objects.create(offender=row, asn="AS64500", holder="EXAMPLE-AS", country="NL", rir="RIPE")
    return row
