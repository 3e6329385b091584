"""Reporting one incident to AbuseIPDB, safely: at most once, at most once per 15 minutes per IP, never
an address AbuseIPDB cannot act on, within the daily quota, and recoverable after a crash at any point.

`prepare()` decides whether an offender may be reported and returns its one open `Report` row (a new
`queued` one, or the queued/failed/sending one already there). `send()` sends that row: it is committed as
`sending` (with a lease) before the HTTP call and marked `sent` after it, and every attempt updates the same
row. A submit task carries the row's id, so a retried or redelivered task that finds it `sent` does
nothing; an offender already reported with no new hits since gets no new row. A `sending` row whose lease
ran out is resent as it was: AbuseIPDB refuses a second report of one IP from one account within 15
minutes, and that refusal proves the first attempt arrived, so the row becomes `sent` without a second
report existing.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import abuseipdb, knowngood
from .categories import Reason, categories_for
from .models import Offender, Report

log = logging.getLogger(__name__)

PAUSE_KEY = "abuse:abuseipdb:paused-until"


class ReportRefused(Exception):
    """Sending is not allowed now (or ever, for this IP); the message says why and what happens next."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadySent(ReportRefused):
    """The report this task carries is sent: a retried or redelivered task must not send it again."""


def build_comment(offender: Offender) -> str:
    counts = ", ".join(f"{n} {Reason.label_of(r)}" for r, n in offender.reason_counts().items() if n)
    paths = sorted({s.path for s in offender.samples.all()[:20]})
    comment = (
        f"tmuxhub: {offender.hits} requests refused (HTTP 429) from "
        f"{offender.first_seen:%Y-%m-%d %H:%M} to {offender.last_seen:%Y-%m-%d %H:%M} UTC; {counts}."
    )
    if paths:
        comment += " Paths: " + ", ".join(paths)
    return comment[:1024]


def what_happens_next(after: datetime) -> str:
    """Said with every refusal that lifts by itself: whether anything will send it then."""
    if settings.ABUSE_AUTO_REPORT:
        return f"The worker sends staged reports by itself after {after:%H:%M} UTC (ABUSE_AUTO_REPORT is on)."
    return f"Nothing sends it by itself (ABUSE_AUTO_REPORT is off): submit it again after {after:%H:%M} UTC."


def _next_utc_midnight(now: datetime) -> datetime:
    return (now + timedelta(days=1)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _paused_until() -> float:
    """AbuseIPDB's last "slow down", shared by every process through the cache. Without the cache
    (Redis down) the pause is not known: the next request then hears it from AbuseIPDB again."""
    try:
        return float(cache.get(PAUSE_KEY) or 0)
    except Exception as error:  # the cache backend's own errors (redis.ConnectionError, DB errors)
        log.warning("abuse: cannot read the AbuseIPDB pause (%s); sending as if there is none", error)
        return 0.0


def _pause(seconds: float) -> None:
    try:
        cache.set(PAUSE_KEY, timezone.now().timestamp() + seconds, timeout=int(seconds) + 1)
    except Exception as error:
        log.warning("abuse: cannot store the AbuseIPDB pause (%s)", error)


def sending_refusal(now: datetime) -> ReportRefused | None:
    """Why no report may go out right now (AbuseIPDB's pause, the daily quota), or None."""
    paused_until = _paused_until()
    if paused_until > now.timestamp():
        until = datetime.fromtimestamp(paused_until, UTC)
        return ReportRefused(
            f"AbuseIPDB asked us to slow down: no reports until {until:%H:%M} UTC. "
            + what_happens_next(until),
            retry_after=paused_until - now.timestamp(),
        )
    midnight = _next_utc_midnight(now)
    sent_today = Report.objects.filter(
        Q(state=Report.State.SENDING)
        | Q(state=Report.State.SENT, reported_at__gte=midnight - timedelta(days=1))
    ).count()
    if sent_today >= settings.ABUSEIPDB_DAILY_QUOTA:
        return ReportRefused(
            f"the daily AbuseIPDB quota ({settings.ABUSEIPDB_DAILY_QUOTA}) is used up until midnight UTC. "
            + what_happens_next(midnight),
            retry_after=(midnight - now).total_seconds(),
        )
    return None


def _check_offender(offender: Offender) -> None:
    if offender.status in (Offender.Status.DISMISSED, Offender.Status.ALLOWLISTED):
        raise ReportRefused(
            f"{offender.ip} is {offender.status}: change its status in the admin to report it."
        )
    if (refusal := knowngood.report_refusal(offender)) is not None:
        raise ReportRefused(refusal)
    if not offender.reportable:
        raise ReportRefused(
            f"{offender.ip} is not reportable ({offender.unreportable_reason}): AbuseIPDB cannot act on it."
        )


def prepare(offender_id: int) -> Report:
    """The offender's open report (queued, failed or sending), or a new `queued` one. Raises
    `ReportRefused` when it must not be reported: its status or address, no new hits since its last
    report, or that report is less than ABUSE_REPORT_INTERVAL_MINUTES old."""
    with transaction.atomic():
        offender = Offender.objects.select_for_update().get(pk=offender_id)
        _check_offender(offender)
        open_report = offender.reports.exclude(state=Report.State.SENT).first()
        if open_report is not None:
            return open_report
        last = offender.last_sent_report()
        if last is not None and last.reported_at is not None:
            if offender.last_seen <= last.attack_time:
                raise ReportRefused(
                    f"{offender.ip} was reported at {last.reported_at:%Y-%m-%d %H:%M} UTC and has no new "
                    "hits since: there is nothing new to report."
                )
            interval = timedelta(minutes=settings.ABUSE_REPORT_INTERVAL_MINUTES)
            if last.reported_at > timezone.now() - interval:
                raise ReportRefused(
                    f"{offender.ip} was reported at {last.reported_at:%H:%M:%S} UTC; AbuseIPDB takes one "
                    f"report per IP per {settings.ABUSE_REPORT_INTERVAL_MINUTES} minutes: submit it again "
                    f"after {last.reported_at + interval:%H:%M} UTC."
                )
        report = Report(offender=offender)
        _describe(report, offender)
        report.save()
        return report


def _describe(report: Report, offender: Offender) -> None:
    """What the report says: the offender as it is now (a queued report is refreshed before sending)."""
    samples = offender.samples.values_list("path", flat=True)[:50]
    report.categories = categories_for(offender.reason_counts(), samples)
    report.comment = build_comment(offender)
    report.attack_time = offender.last_seen


def _claim(report_id: int) -> Report:
    """Decide, under the offender's row lock, whether to send now; returns the row marked `sending`."""
    now = timezone.now()
    with transaction.atomic():
        offender_id = Report.objects.values_list("offender_id", flat=True).get(pk=report_id)
        offender = Offender.objects.select_for_update().get(pk=offender_id)
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.state == Report.State.SENT:
            raise AlreadySent(f"{offender.ip}: this report was sent at {report.reported_at:%H:%M:%S} UTC.")
        _check_offender(offender)
        if report.state == Report.State.SENDING and report.lease_until and report.lease_until > now:
            raise ReportRefused(
                f"a report of {offender.ip} is being sent right now; "
                f"look again after {report.lease_until:%H:%M:%S} UTC.",
                retry_after=(report.lease_until - now).total_seconds(),
            )
        if report.state != Report.State.SENDING:
            if (refusal := sending_refusal(now)) is not None:
                raise refusal
            # Not on its way yet: describe the offender as it is now (hits may have come in since).
            _describe(report, offender)
        report.offender = offender
        report.state = Report.State.SENDING
        report.attempts += 1
        report.last_attempt_at = now
        report.lease_until = now + timedelta(seconds=settings.ABUSE_SEND_LEASE_SECONDS)
        report.save()
        return report


def send(report_id: int) -> Report:
    """Send (or resume sending) this report. Raises `ReportRefused` (`AlreadySent` when it is sent) or
    `AbuseIPDBError`; either way the row keeps why in `error`."""
    if not settings.ABUSEIPDB_KEY:
        raise abuseipdb.MissingKey()
    try:
        report = _claim(report_id)
    except AlreadySent:
        raise
    except ReportRefused as refusal:
        Report.objects.filter(pk=report_id).exclude(state=Report.State.SENT).update(error=str(refusal)[:2000])
        raise
    try:
        accepted = abuseipdb.report(report.offender.ip, report.categories, report.comment, report.attack_time)
    except abuseipdb.AbuseIPDBError as error:
        if error.duplicate:
            _mark_sent(report, {"duplicate": str(error)})
            return report
        if error.rate_limited and error.retry_after:
            _pause(error.retry_after)
        Report.objects.filter(pk=report.pk).update(
            state=Report.State.FAILED, error=str(error)[:2000], lease_until=None
        )
        raise
    _mark_sent(report, accepted.body)
    return report


def send_report(offender_id: int) -> Report:
    """Prepare and send in this process (the CLI and the MCP tool): no broker involved."""
    if not settings.ABUSEIPDB_KEY:
        raise abuseipdb.MissingKey()
    return send(prepare(offender_id).pk)


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
