"""Sending one offender to AbuseIPDB, safely: at most once per 15 minutes, never a private address,
within the daily quota, and recoverable after a crash at any point.

A `Report` row is committed as `sending` (with a lease) before the HTTP call and marked `sent` after
it. A retry that finds a `sending` row whose lease ran out resends it: AbuseIPDB itself refuses a
second report of one IP from one account within 15 minutes, and that refusal proves the first
attempt arrived, so the row becomes `sent` without a second report existing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from . import abuseipdb
from .categories import Reason, categories_for
from .models import Offender, Report

PAUSE_KEY = "abuse:abuseipdb:paused-until"


class ReportRefused(Exception):
    """Sending is not allowed now (or ever, for this IP); the message says why and what to do."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def build_comment(offender: Offender) -> str:
    counts = ", ".join(f"{n} {Reason(r).label}" for r, n in offender.reason_counts().items() if n)
    paths = sorted({s.path for s in offender.samples.all()[:20]})
    comment = (
        f"tmuxhub: {offender.hits} requests refused (HTTP 429) from "
        f"{offender.first_seen:%Y-%m-%d %H:%M} to {offender.last_seen:%Y-%m-%d %H:%M} UTC; {counts}."
    )
    if paths:
        comment += " Paths: " + ", ".join(paths)
    return comment[:1024]


def _next_utc_midnight(now: datetime) -> datetime:
    return (now + timedelta(days=1)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _claim(offender_id: int) -> Report:
    """Decide, under a row lock, whether to send; returns the `sending` row to send."""
    now = timezone.now()
    with transaction.atomic():
        offender = Offender.objects.select_for_update().get(pk=offender_id)
        if offender.status in (Offender.Status.DISMISSED, Offender.Status.ALLOWLISTED):
            raise ReportRefused(
                f"{offender.ip} is {offender.status}: change its status in the admin to report it."
            )
        if not offender.reportable:
            raise ReportRefused(
                f"{offender.ip} is a private or reserved address: AbuseIPDB cannot act on it."
            )
        report = offender.reports.filter(state=Report.State.SENDING).first()
        if report is not None and report.lease_until and report.lease_until > now:
            raise ReportRefused(
                f"a report of {offender.ip} is being sent right now; "
                f"look again after {report.lease_until:%H:%M:%S} UTC.",
                retry_after=(report.lease_until - now).total_seconds(),
            )
        if report is None:
            interval = timedelta(minutes=settings.ABUSE_REPORT_INTERVAL_MINUTES)
            if (last := offender.last_report_within(interval)) is not None and last.reported_at:
                raise ReportRefused(
                    f"{offender.ip} was reported at {last.reported_at:%H:%M:%S} UTC; "
                    f"AbuseIPDB takes one report per IP per {settings.ABUSE_REPORT_INTERVAL_MINUTES} minutes."
                )
            paused_until = cache.get(PAUSE_KEY)
            if paused_until and paused_until > now.timestamp():
                raise ReportRefused(
                    "AbuseIPDB asked us to slow down; sending resumes by itself later.",
                    retry_after=paused_until - now.timestamp(),
                )
            midnight = _next_utc_midnight(now)
            sent_today = Report.objects.filter(
                state__in=(Report.State.SENT, Report.State.SENDING),
                created_at__gte=midnight - timedelta(days=1),
            ).count()
            if sent_today >= settings.ABUSEIPDB_DAILY_QUOTA:
                raise ReportRefused(
                    f"the daily AbuseIPDB quota ({settings.ABUSEIPDB_DAILY_QUOTA}) is used up; "
                    "staged reports go out after midnight UTC.",
                    retry_after=(midnight - now).total_seconds(),
                )
            samples = offender.samples.values_list("path", flat=True)[:50]
            report = Report(
                offender=offender,
                categories=categories_for(offender.reason_counts(), samples),
                comment=build_comment(offender),
                attack_time=offender.last_seen,
            )
        report.state = Report.State.SENDING
        report.attempts += 1
        report.lease_until = now + timedelta(seconds=settings.ABUSE_SEND_LEASE_SECONDS)
        report.save()
        return report


def send_report(offender_id: int) -> Report:
    """Send (or resume sending) the offender's report. Raises `ReportRefused` or `AbuseIPDBError`."""
    if not settings.ABUSEIPDB_KEY:
        raise abuseipdb.MissingKey()
    report = _claim(offender_id)
    ip = report.offender.ip
    try:
        accepted = abuseipdb.report(ip, report.categories, report.comment, report.attack_time)
    except abuseipdb.AbuseIPDBError as error:
        if error.duplicate:
            _mark_sent(report, {"duplicate": str(error)})
            return report
        if error.rate_limited and error.retry_after:
            cache.set(
                PAUSE_KEY, timezone.now().timestamp() + error.retry_after, timeout=int(error.retry_after) + 1
            )
        Report.objects.filter(pk=report.pk).update(
            state=Report.State.FAILED, error=str(error)[:2000], lease_until=None
        )
        raise
    _mark_sent(report, accepted.body)
    return report


def _mark_sent(report: Report, response: dict[str, object]) -> None:
    now = timezone.now()
    with transaction.atomic():
        Report.objects.filter(pk=report.pk).update(
            state=Report.State.SENT, response=response, reported_at=now, error="", lease_until=None
        )
        Offender.objects.filter(pk=report.offender_id).exclude(
            status__in=(Offender.Status.DISMISSED, Offender.Status.ALLOWLISTED)
        ).update(status=Offender.Status.REPORTED)
    report.refresh_from_db()
