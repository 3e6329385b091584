"""Redis (the broker) stops for several seconds under a worker with its beat: Celery's own complaints
(the consumer reconnecting, beat failing to send, kombu) follow the hub's rule for a failure that
repeats: logged once, then once a minute with a count, not a line or a traceback per retry."""

from __future__ import annotations

import time

import pytest

from tests.support.logs import problems
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OUTAGE_SECONDS = 8


def test_a_redis_outage_logs_a_bounded_number_of_lines_from_the_worker_and_beat(
    own_redis, celery_worker_factory
) -> None:
    worker = celery_worker_factory(
        beat=True,
        REDIS_URL=own_redis.url,
        # Beat sends three tasks a second, the worker beats every second: a busy outage.
        TMUXHUB_HEARTBEAT_SECONDS="1",
        ABUSE_SWEEP_SECONDS="1",
    )
    wait_until(lambda: "succeeded" in worker.log(), timeout=30, context=worker.log)

    own_redis.stop()
    before = len(worker.log())
    time.sleep(OUTAGE_SECONDS)
    during = worker.log()[before:]
    own_redis.start()

    # Celery's own lines come in the hub's format too (tmuxhub/celery.py), so they are records here.
    records = problems(during)
    assert len(records) <= 6, f"{len(records)} warnings and errors in a {OUTAGE_SECONDS} s outage:\n{during}"
    assert during.count("Message Error: Couldn't apply scheduled task") == 1, during
    # Without the rule: about 2,900 lines, 110 tracebacks. With it: one chained traceback (~150 lines).
    assert len(during.splitlines()) < 600, during
    # And the worker takes beat's tasks again once Redis is back.
    resumed = len(worker.log())
    wait_until(lambda: "succeeded" in worker.log()[resumed:], timeout=60, context=worker.log)
