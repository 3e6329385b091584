"""A Celery worker SIGKILLed in the middle of a task: the broker hands the task to another worker,
it runs again, and what it does happens once."""

from __future__ import annotations

import time

import pytest

from abuse.models import Enrichment, Offender
from abuse.tasks import enrich
from tests.abuse.factories import offender
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

VISIBILITY = 2  # seconds before an unacknowledged task goes back to the queue


def test_a_task_whose_worker_is_killed_runs_again_once(
    abuse_services, celery_worker_factory, settings
) -> None:
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-killed"
    env = {**abuse_services.env, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY)}
    row = offender("185.220.103.7", status=Offender.Status.PENDING, quiet_for=120, enriched=False)
    abuse_services.ripestat.failing["prefix-overview"] = "hang"  # the task is in flight until the kill

    doomed = celery_worker_factory(queue=queue, **env)
    enrich.apply_async((row.pk,), queue=queue)
    wait_until(lambda: abuse_services.ripestat.calls("prefix-overview"), timeout=20)
    doomed.kill()
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.PENDING
    abuse_services.ripestat.failing.clear()

    time.sleep(VISIBILITY + 0.5)
    rescuer = celery_worker_factory(queue=queue, **env)
    wait_until(lambda: Offender.objects.filter(pk=row.pk, status=Offender.Status.STAGED).exists(), timeout=30)

    (enrichment,) = Enrichment.objects.filter(offender=row)
    assert (enrichment.asn, enrichment.country, enrichment.attempts) == ("AS64500", "NL", 1)
    # The row is committed before the worker logs the task's end: wait for that line, don't race it.
    wait_until(lambda: "succeeded" in rescuer.log(), timeout=10)
    assert rescuer.log().count("abuse.enrich") >= 1
