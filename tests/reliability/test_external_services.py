"""RIPE Stat and AbuseIPDB that hang, fail, talk nonsense or throttle: every call is bounded in time,
failures are recorded with what to do, and a report reaches AbuseIPDB once however it went."""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.core.cache import cache

from abuse import abuseipdb, ripestat
from abuse.models import Offender, Report
from abuse.reporting import PAUSE_KEY, ReportRefused, send_report
from tests.abuse.factories import offender

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 0.3
ENDPOINTS = ("prefix-overview", "maxmind-geo-lite", "abuse-contact-finder")


@pytest.fixture
def services(abuse_services, settings):
    settings.TMUXHUB_HTTP_TIMEOUT = TIMEOUT
    cache.delete(PAUSE_KEY)
    yield abuse_services
    cache.delete(PAUSE_KEY)


@pytest.mark.parametrize("mode", ["hang", "500", "garbage", "odd", "429"])
def test_a_failing_ripestat_leaves_unknown_fields_within_a_bounded_time(services, mode) -> None:
    services.ripestat.failing.update(dict.fromkeys(ENDPOINTS, mode))

    started = time.monotonic()
    result = ripestat.lookup("203.0.113.9")
    took = time.monotonic() - started

    fields = (result.asn, result.holder, result.prefix, result.country, result.rir, result.abuse_contact)
    assert fields == (ripestat.UNKNOWN,) * 6
    assert result.errors and all(error.split(":")[0] in ENDPOINTS for error in result.errors)
    says = {"hang": "timed out", "500": "HTTP 500", "garbage": "not JSON", "odd": "unexpected answer"}
    assert says.get(mode, "HTTP 429") in result.errors[0]
    # Reads are retried with backoff, but a RIPE Stat that hangs costs a few timeouts, not nine:
    # the enrich task must finish well inside its soft time limit with the default 10 s timeout.
    assert took < 4 * TIMEOUT + 1.5, f"lookup took {took:.1f}s"


def test_an_odd_answer_from_abuseipdb_is_not_stored_and_the_retry_finds_it_arrived(services) -> None:
    services.abuseipdb.garble_next = 1
    services.abuseipdb.garble_with = b'{"data": {"ipAddress": ["x"], "abuseConfidenceScore": "high"}}'
    row = offender("185.220.102.30")
    with pytest.raises(abuseipdb.AbuseIPDBError, match="not its JSON"):
        send_report(row.pk)
    send_report(row.pk)
    (report,) = Report.objects.filter(offender=row)
    assert report.state == Report.State.SENT and "['x']" not in str(report.response)
    assert len(services.abuseipdb.accepted) == 1


def test_ripestat_answering_again_fills_the_fields_in(services) -> None:
    services.ripestat.failing["maxmind-geo-lite"] = "garbage"
    partial = ripestat.lookup("203.0.113.9")
    services.ripestat.failing.clear()
    full = ripestat.lookup("203.0.113.9")

    assert partial.asn == "AS64500" and partial.country == ripestat.UNKNOWN
    assert partial.errors == ["maxmind-geo-lite: not JSON"]
    assert (full.asn, full.country, full.errors) == ("AS64500", "NL", [])


def hang(services) -> None:
    services.abuseipdb.hold = threading.Event()
    services.abuseipdb.hold.set()


def fail_500(services) -> None:
    services.abuseipdb.fail_next.append(500)


def garble(services) -> None:
    services.abuseipdb.garble_next = 1


def throttle(services) -> None:
    services.abuseipdb.daily_limit = 0


FAULTS = {
    "hang": (hang, "did not answer (ReadTimeout)", 60),
    "500": (fail_500, "AbuseIPDB failed", 300),
    "garbage": (garble, "not its JSON", 60),
    "429": (throttle, "rate limit", 3600),
}


@pytest.mark.timing
@pytest.mark.parametrize("fault", FAULTS)
def test_a_failing_abuseipdb_keeps_the_report_and_it_is_accepted_once(services, fault) -> None:
    cause, says, retry_after = FAULTS[fault]
    row = offender(f"185.220.102.{list(FAULTS).index(fault) + 10}")
    cause(services)

    started = time.monotonic()
    with pytest.raises(abuseipdb.AbuseIPDBError, match=re.escape(says)) as failed:
        send_report(row.pk)
    assert time.monotonic() - started < TIMEOUT + 1.5
    assert failed.value.retry_after == retry_after  # the submit task retries after this long
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.STAGED
    assert Report.objects.get(offender=row).state == Report.State.FAILED

    # AbuseIPDB behaves again; its own pause (after a 429) has run out.
    if services.abuseipdb.hold is not None:
        services.abuseipdb.hold.clear()
    services.abuseipdb.daily_limit = 1000
    if fault == "429":
        with pytest.raises(ReportRefused, match="slow down"):
            send_report(row.pk)
        cache.delete(PAUSE_KEY)
    send_report(row.pk)

    assert Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED
    assert len([r for r in services.abuseipdb.accepted if r.ip == row.ip]) == 1
    (report,) = Report.objects.filter(offender=row)  # every attempt on the one row
    assert report.state == Report.State.SENT and report.attempts == 2
