"""A worker killed while its report is in flight: the report is neither lost nor sent twice."""

from __future__ import annotations

import threading
import time

import pytest

from abuse.models import Offender, Report
from abuse.tasks import submit, sweep_reports
from tests.abuse.conftest import wait_for
from tests.abuse.factories import offender

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE = 2


def test_a_worker_killed_mid_submit_loses_nothing_and_double_reports_nothing(
    abuse_services, celery_worker_factory, settings
) -> None:
    env = {**abuse_services.env, "ABUSE_SEND_LEASE_SECONDS": str(LEASE)}
    crash_queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-crash"
    fake = abuse_services.abuseipdb
    row = offender("185.220.101.40")

    # AbuseIPDB receives the report but its answer never gets back: the worker dies first.
    fake.hold = threading.Event()
    fake.hold.set()
    doomed = celery_worker_factory(queue=crash_queue, **env)
    submit.apply_async((row.pk,), queue=crash_queue)
    assert fake.arrived.wait(timeout=20), doomed.log()
    doomed.kill()
    fake.hold.clear()
    report = Report.objects.get(offender=row)
    assert report.state == Report.State.SENDING  # the crash is visible, nothing was forgotten

    # A new worker's sweep resumes it once the lease has run out.
    celery_worker_factory(**env)
    time.sleep(LEASE + 0.2)
    assert sweep_reports.delay().get(timeout=20) >= 1
    assert wait_for(lambda: Report.objects.filter(pk=report.pk, state=Report.State.SENT).exists(), timeout=20)

    assert len(fake.accepted) == 1  # AbuseIPDB holds exactly one report
    assert Report.objects.filter(offender=row).count() == 1
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED
    # And nothing sends it again.
    assert submit.delay(row.pk).get(timeout=20)["sent"] is False
    assert len(fake.accepted) == 1
