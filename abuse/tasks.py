"""Celery tasks of the abuse pipeline. They take ids, re-read rows, and are safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError

from . import abuseipdb, knowngood, ripestat
from .models import Enrichment, Offender, Report
from .reporting import AlreadySent, ReportRefused, prepare, send, sending_refusal

log = logging.getLogger(__name__)


class BrokerDown(Exception):
    """The task was not queued: the broker did not answer within its bounded timeouts."""


def queue_task(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue a task now, or raise `BrokerDown` with words an operator can act on. Celery's own error
    for this is a traceback (or, with a result backend, "must be restarted", which is not true)."""
    try:
        task.apply_async(args, kwargs, ignore_result=True)
    except (OperationalError, OSError) as error:
        log.warning("could not queue %s: the broker did not answer (%s)", task.name, error)
        where = "Redis (REDIS_URL)" if settings.REDIS_URL else "the broker"
        raise BrokerDown(
            f"the task broker, {where}, is not answering, so nothing was queued; "
            "try again once it is back (/healthz shows it)."
        ) from error


SWEEP_BATCH = 500
# A submit task waits this long at most for a retry; longer waits (AbuseIPDB's pause, the daily quota)
# end it, as a countdown past the broker's visibility timeout would have the task delivered twice.
MAX_RETRY_COUNTDOWN = 600


@shared_task(bind=True, name="abuse.enrich", acks_late=True, max_retries=5)
def enrich(self: Any, offender_id: int, force: bool = False) -> str:
    """Look the IP up in RIPE Stat and stage it. Lookup failures (no answer, an error, an answer of
    another shape) are logged and stage it with `unknown` fields; it is retried with backoff, at most
    `max_retries` times, to fill them in."""
    offender = Offender.objects.filter(pk=offender_id).first()
    if offender is None:
        return "gone"
    if not force:
        if offender.status != Offender.Status.PENDING:
            return f"already {offender.status}"
        if offender.last_seen > timezone.now() - timedelta(seconds=settings.ABUSE_QUIET_SECONDS):
            return "not quiet yet"
    if not offender.reportable:  # collected before not-reportable addresses had a status of their own
        Offender.objects.filter(pk=offender.pk).update(status=Offender.Status.NOT_REPORTABLE)
        return f"not reportable: {offender.unreportable_reason}"
    if (refusal := knowngood.staging_refusal(offender)) is not None:
        return refusal  # it stays pending; new hits queue it again
    result = ripestat.lookup(offender.ip)
    Enrichment.record(offender, {k: v for k, v in result.__dict__.items() if k != "errors"}, result.errors)
    Offender.objects.filter(pk=offender.pk, status=Offender.Status.PENDING).update(
        status=Offender.Status.STAGED
    )
    if not result.errors:
        return "staged"
    attempt = self.request.retries + 1
    log.warning("abuse.enrich %s (attempt %d): RIPE Stat: %s", offender.ip, attempt, "; ".join(result.errors))
    try:
        raise self.retry(
            kwargs={"offender_id": offender_id, "force": True},
            countdown=settings.ABUSE_ENRICH_BACKOFF_SECONDS * 2**self.request.retries,
        )
    except MaxRetriesExceededError:
        return "staged; some fields stay unknown"


@shared_task(bind=True, name="abuse.submit_report", acks_late=True, max_retries=8)
def submit(self: Any, report_id: int) -> dict[str, Any]:
    """Send one `Report` row to AbuseIPDB. Safe to run twice: a sent row is never sent again. Short
    waits (AbuseIPDB down, another attempt in flight) retry here; long ones (AbuseIPDB's pause, the
    daily quota) end the task, and the row keeps why in `error`."""
    try:
        report = send(report_id)
    except Report.DoesNotExist:
        return {"sent": False, "report": report_id, "error": "gone"}
    except AlreadySent as done:
        return {"sent": False, "report": report_id, "error": str(done)}
    except (ReportRefused, abuseipdb.AbuseIPDBError) as error:
        if error.retry_after and error.retry_after <= MAX_RETRY_COUNTDOWN:
            try:
                raise self.retry(countdown=error.retry_after)
            except MaxRetriesExceededError:
                pass
        log.warning("abuse.submit_report %s: %s", report_id, error)
        return {"sent": False, "report": report_id, "error": str(error)}
    return {"sent": True, "report": report.pk, "response": report.response}


@shared_task(name="abuse.sweep_pending")
def sweep_pending() -> int:
    """Debounce: enrich offenders that have been quiet for `ABUSE_QUIET_SECONDS`."""
    quiet_since = timezone.now() - timedelta(seconds=settings.ABUSE_QUIET_SECONDS)
    rows = Offender.objects.filter(status=Offender.Status.PENDING, last_seen__lte=quiet_since).values_list(
        "pk", "last_seen"
    )[:SWEEP_BATCH]
    queued = 0
    for pk, last_seen in rows:
        # One queued enrichment per offender per quiet period, however often the sweep runs.
        key = f"abuse:enrich-queued:{pk}:{last_seen.timestamp()}"
        if cache.add(key, 1, timeout=settings.ABUSE_QUIET_SECONDS):
            enrich.delay(pk)
            queued += 1
    return queued


@shared_task(name="abuse.sweep_reports")
def sweep_reports() -> int:
    """Resume reports whose worker died mid-send, and queued reports whose task never reached a worker;
    with `ABUSE_AUTO_REPORT`, send staged offenders."""
    now = timezone.now()
    report_ids = set(
        Report.objects.filter(state=Report.State.SENDING, lease_until__lte=now).values_list("pk", flat=True)[
            :SWEEP_BATCH
        ]
    )
    may_send = bool(settings.ABUSEIPDB_KEY) and sending_refusal(now) is None
    if may_send:
        # Queued while the broker was away (the admin said "not queued"), or its task was lost with a
        # Redis restart: never attempted, nothing refused it (a refusal is kept in `error`), and older
        # than a task waiting in the queue would be. A task that was only slow finds the row sent.
        grace = timedelta(seconds=settings.ABUSE_QUEUED_GRACE_SECONDS)
        never_picked_up = Report.objects.filter(
            state=Report.State.QUEUED, attempts=0, error="", created_at__lte=now - grace
        )
        report_ids.update(never_picked_up.values_list("pk", flat=True)[:SWEEP_BATCH])
    if settings.ABUSE_AUTO_REPORT and may_send:
        # An offender whose last attempt failed waits an hour (or a human) instead of failing every sweep.
        staged = Offender.objects.filter(status=Offender.Status.STAGED).exclude(
            reports__last_attempt_at__gte=now - timedelta(hours=1)
        )
        for offender in staged.only("pk", "ip")[:SWEEP_BATCH]:
            if not offender.reportable:
                continue
            try:
                report_ids.add(prepare(offender.pk).pk)
            except ReportRefused:
                continue
    for pk in report_ids:
        submit.delay(pk)
    return len(report_ids)
