"""A worker killed while its report is in flight: the report is neither lost nor sent twice, even when
the broker later hands the killed worker's task to another worker."""

from __future__ import annotations

import threading
import time

import pytest

from abuse.models import Offender, Report
from abuse.reporting import ReportRefused, prepare
from abuse.tasks import submit, sweep_reports
from tests.abuse.factories import offender
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE = 2
VISIBILITY = 2  # seconds before the broker hands an unacknowledged task to another worker


def test_a_worker_killed_mid_submit_loses_nothing_and_its_redelivered_task_sends_nothing(
    abuse_services, celery_worker_factory, settings
) -> None:
    env = {**abuse_services.env, "ABUSE_SEND_LEASE_SECONDS": str(LEASE)}
    crash_queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-crash"
    fake = abuse_services.abuseipdb
    row = offender("185.220.101.40")
    report = prepare(row.pk)

    # AbuseIPDB receives the report but its answer never gets back: the worker dies first.
    fake.hold = threading.Event()
    fake.hold.set()
    doomed = celery_worker_factory(queue=crash_queue, **env)
    submit.apply_async((report.pk,), queue=crash_queue)
    assert fake.arrived.wait(timeout=20), doomed.log()
    doomed.kill()
    fake.hold.clear()
    assert Report.objects.get(pk=report.pk).state == Report.State.SENDING  # the crash is visible

    # A new worker's sweep resumes it once the lease has run out (AbuseIPDB: "once in 15 minutes").
    celery_worker_factory(**env)
    time.sleep(LEASE + 0.2)
    assert sweep_reports.delay().get(timeout=20) >= 1
    assert wait_until(
        lambda: Report.objects.filter(pk=report.pk, state=Report.State.SENT).exists(), timeout=20
    )

    # Much later (AbuseIPDB and our own 15-minute rule would take a new report now), the broker hands
    # the killed worker's task to a worker listening on its queue.
    fake.duplicate_window = 0
    later = {**env, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY), "ABUSE_REPORT_INTERVAL_MINUTES": "0"}
    redelivered = celery_worker_factory(queue=crash_queue, **later)
    assert wait_until(lambda: "abuse.submit_report" in redelivered.log(), timeout=30), redelivered.log()
    assert wait_until(lambda: " succeeded " in redelivered.log(), timeout=20), redelivered.log()
    assert "was sent at" in redelivered.log()

    assert len(fake.accepted) == 1  # AbuseIPDB holds exactly one report
    (sent,) = Report.objects.filter(offender=row)
    assert (sent.state, sent.attempts) == (Report.State.SENT, 2)  # both attempts on the one row
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED


def test_an_offender_reported_with_no_new_hits_since_is_never_sent_again(abuse_services, settings) -> None:
    from abuse.reporting import send_report

    settings.ABUSE_REPORT_INTERVAL_MINUTES = 0
    abuse_services.abuseipdb.duplicate_window = 0
    row = offender("185.220.101.41")
    report = send_report(row.pk)
    Offender.objects.filter(pk=row.pk).update(status=Offender.Status.STAGED)  # as an admin might
    with pytest.raises(ReportRefused, match="no new hits since"):
        prepare(row.pk)
    assert submit.apply(args=(report.pk,)).get()["sent"] is False
    assert len(abuse_services.abuseipdb.accepted) == 1
