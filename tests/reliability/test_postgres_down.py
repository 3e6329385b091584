"""PostgreSQL down for several seconds under a 429 flood: the collector fails to write every flush,
and the hub's log says so once (with the traceback), not once a flush."""

from __future__ import annotations

import time

import pytest

from tests.support.logs import records
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LIMITS = {
    "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
    "ABUSE_ANON_LIMIT": "1",
    "ABUSE_ANON_WINDOW": "3600",
    "ABUSE_FLUSH_SECONDS": "0.2",
}
FLOODER = "203.0.113.78"


def test_a_database_outage_logs_each_failure_once_not_every_flush(own_postgres, hub_factory) -> None:
    hub = hub_factory(DATABASE_URL=own_postgres.url, **LIMITS)
    assert [get(hub, "/mcp", FLOODER).status_code for _ in range(2)][-1] == 429

    own_postgres.pg_ctl("-m", "fast", "stop")
    try:
        deadline = time.monotonic() + 4  # ~20 flushes, each failing
        while time.monotonic() < deadline:
            assert get(hub, "/mcp", FLOODER).status_code == 429
            time.sleep(0.05)
    finally:
        own_postgres.pg_ctl("start")

    wait_until(lambda: own_postgres.query("SELECT hits FROM abuse_offender WHERE ip = %s", FLOODER), 20)
    log = hub.log()
    assert "could not" in log or "failed" in log, log  # the outage was noticed and logged
    assert sum("abuse collector: could not write" in record for record in records(log)) == 1, log
    with_traceback = [record for record in records(log) if "Traceback" in record]
    assert len(with_traceback) <= 3, log  # one per kind of failure (collector, audit, allow-list)
    assert hub.process.poll() is None
