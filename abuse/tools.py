"""The abuse_* MCP tools: look at the pipeline and send a report from the chat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone
from pydantic import BaseModel

from bridge.exceptions import BridgeError
from bridge.registry import hub_tool

from . import abuseipdb
from .categories import categories_for
from .models import Enrichment, Offender, Report
from .reporting import ReportRefused, send_report

LIST_LIMIT = 200
PERIOD = re.compile(r"^(last_day|last_week|since:\d{4}-\d{2}-\d{2})$")


class OffenderSummary(BaseModel):
    ip: str
    status: str
    hits: int
    first_seen: datetime
    last_seen: datetime
    categories: list[int]
    asn: str = Enrichment.UNKNOWN
    holder: str = Enrichment.UNKNOWN
    country: str = Enrichment.UNKNOWN
    abuse_contact: str = Enrichment.UNKNOWN
    sample_paths: list[str] = []


class OffenderList(BaseModel):
    count: int
    offenders: list[OffenderSummary]


class ReportSummary(BaseModel):
    ip: str
    categories: list[int]
    comment: str
    reported_at: datetime | None
    abuse_confidence_score: int | None = None


class ReportList(BaseModel):
    period: str
    count: int
    reports: list[ReportSummary]


class SendResult(BaseModel):
    ip: str
    sent: bool
    categories: list[int]
    abuse_confidence_score: int | None
    message: str


def _summaries(status: str) -> OffenderList:
    rows = (
        Offender.objects.filter(status=status)
        .select_related("enrichment")
        .prefetch_related("samples", "reason_rows")
    )
    total = rows.count()
    offenders = []
    for offender in rows[:LIST_LIMIT]:
        paths = [s.path for s in offender.samples.all()[:10]]
        summary = OffenderSummary(
            ip=offender.ip,
            status=offender.status,
            hits=offender.hits,
            first_seen=offender.first_seen,
            last_seen=offender.last_seen,
            categories=categories_for(offender.reason_counts(), paths),
            sample_paths=sorted(set(paths)),
        )
        enrichment = getattr(offender, "enrichment", None)
        if enrichment is not None:
            summary.asn, summary.holder = enrichment.asn, enrichment.holder
            summary.country, summary.abuse_contact = enrichment.country, enrichment.abuse_contact
        offenders.append(summary)
    return OffenderList(count=total, offenders=offenders)


@hub_tool("readonly", title="List IPs still collecting 429s", idempotent=True)
async def abuse_get_pending() -> OffenderList:
    """IPs refused with 429 that are still active (not yet quiet for a minute and enriched)."""
    return await sync_to_async(_summaries)(Offender.Status.PENDING)


@hub_tool("readonly", title="List enriched abuse reports ready to send", idempotent=True)
async def abuse_get_staged() -> OffenderList:
    """Enriched offenders (ASN, holder, country, abuse contact, categories) ready to report."""
    return await sync_to_async(_summaries)(Offender.Status.STAGED)


def _since(period: str) -> datetime:
    now = timezone.now()
    if period == "last_day":
        return now - timedelta(days=1)
    if period == "last_week":
        return now - timedelta(days=7)
    return datetime.strptime(period.removeprefix("since:"), "%Y-%m-%d").replace(tzinfo=UTC)


def _reported(period: str) -> ReportList:
    if not PERIOD.fullmatch(period):
        raise BridgeError(
            "period must be last_day, last_week or since:YYYY-MM-DD (for example since:2026-11-01)."
        )
    try:
        since = _since(period)
    except ValueError as error:
        raise BridgeError(f"{period!r} is not a real date: use since:YYYY-MM-DD.") from error
    rows = Report.objects.filter(state=Report.State.SENT, reported_at__gte=since).select_related("offender")
    reports = []
    for report in rows[:LIST_LIMIT]:
        data = (report.response or {}).get("data") or {}
        score = data.get("abuseConfidenceScore") if isinstance(data, dict) else None
        reports.append(
            ReportSummary(
                ip=report.offender.ip,
                categories=report.categories,
                comment=report.comment,
                reported_at=report.reported_at,
                abuse_confidence_score=score if isinstance(score, int) else None,
            )
        )
    return ReportList(period=period, count=rows.count(), reports=reports)


@hub_tool("readonly", title="List abuse reports sent to AbuseIPDB", idempotent=True)
async def abuse_list_reported(period: str) -> ReportList:
    """Reports sent in a period: `last_day`, `last_week` or `since:YYYY-MM-DD`."""
    return await sync_to_async(_reported)(period)


def _send(ip: str) -> SendResult:
    try:
        offender = Offender.for_ip(ip, "pick an IP from abuse_get_staged")
    except LookupError as error:
        raise BridgeError(str(error)) from error
    try:
        report: Report = send_report(offender.pk)
    except (ReportRefused, abuseipdb.AbuseIPDBError) as error:
        raise BridgeError(str(error)) from error
    response: dict[str, Any] = report.response or {}
    data = response.get("data") if isinstance(response.get("data"), dict) else {}
    score = (data or {}).get("abuseConfidenceScore")
    return SendResult(
        ip=offender.ip,
        sent=True,
        categories=report.categories,
        abuse_confidence_score=score if isinstance(score, int) else None,
        message="reported to AbuseIPDB"
        if "duplicate" not in response
        else "AbuseIPDB already had this report (an earlier attempt got through)",
    )


@hub_tool("destructive", title="Report an IP to AbuseIPDB", open_world=True)
async def abuse_send_report(ip: str) -> SendResult:
    """Submit a staged offender to AbuseIPDB (needs ABUSEIPDB_KEY). Cannot be undone."""
    return await sync_to_async(_send, thread_sensitive=False)(ip)
