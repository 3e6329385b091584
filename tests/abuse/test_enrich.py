"""Enrichment by a real Celery worker against the fake RIPE Stat: debounced, and failures leave
`unknown` fields that a retry fills in later."""

from __future__ import annotations

import re

import pytest

from abuse.models import Enrichment, Offender
from abuse.tasks import sweep_pending
from tests.abuse.factories import offender
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker(abuse_services, abuse_worker):
    return abuse_worker


def staged(row: Offender) -> Enrichment | None:
    if not Offender.objects.filter(pk=row.pk, status=Offender.Status.STAGED).exists():
        return None
    return Enrichment.objects.filter(offender=row).first()


def test_a_quiet_offender_is_enriched_and_staged(worker, abuse_services) -> None:
    row = offender("185.220.101.7", status=Offender.Status.PENDING, enriched=False)
    assert sweep_pending.delay().get(timeout=20) == 1
    enrichment = wait_until(lambda: staged(row), timeout=20)
    assert enrichment is not None, worker.log()
    assert (enrichment.asn, enrichment.holder, enrichment.country) == (
        "AS64500",
        "EXAMPLE-AS - Example Hosting Ltd",
        "NL",
    )
    assert (enrichment.prefix, enrichment.rir, enrichment.abuse_contact) == (
        "203.0.113.0/24",
        "RIPE",
        "abuse@example.net",
    )
    assert enrichment.errors == []
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.STAGED
    for endpoint in ("prefix-overview", "maxmind-geo-lite", "abuse-contact-finder"):
        assert abuse_services.ripestat.calls(endpoint) == ["185.220.101.7"]


def test_an_active_offender_waits_for_a_quiet_minute(worker) -> None:
    row = offender("185.220.101.8", status=Offender.Status.PENDING, quiet_for=5, enriched=False)
    assert sweep_pending.delay().get(timeout=20) == 0
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.PENDING


def test_a_failed_lookup_stages_with_unknown_and_a_retry_fills_it_in(worker, abuse_services) -> None:
    abuse_services.ripestat.failing["maxmind-geo-lite"] = "500"
    abuse_services.ripestat.failing["abuse-contact-finder"] = "429"
    row = offender("185.220.101.9", status=Offender.Status.PENDING, enriched=False)
    sweep_pending.delay().get(timeout=20)
    enrichment = wait_until(lambda: staged(row), timeout=20)
    assert enrichment is not None, worker.log()
    assert enrichment.asn == "AS64500"
    assert (enrichment.country, enrichment.abuse_contact) == ("unknown", "unknown")
    assert len(enrichment.errors) == 2
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.STAGED

    abuse_services.ripestat.failing.clear()
    filled = wait_until(
        lambda: Enrichment.objects.filter(offender=row, country="NL", errors=[]).first(), timeout=20
    )
    assert filled is not None, worker.log()
    assert filled.abuse_contact == "abuse@example.net" and filled.attempts == 2


def test_private_addresses_left_pending_are_never_looked_up(worker, abuse_services) -> None:
    row = offender("10.1.2.3", status=Offender.Status.PENDING, enriched=False)
    sweep_pending.delay().get(timeout=20)
    unreportable = Offender.Status.NOT_REPORTABLE
    assert wait_until(lambda: Offender.objects.filter(pk=row.pk, status=unreportable).exists(), timeout=20)
    assert not Enrichment.objects.filter(offender=row).exists()
    assert abuse_services.ripestat.requests == []


def test_an_odd_answer_is_a_logged_failure_that_stores_no_junk(worker, abuse_services) -> None:
    abuse_services.ripestat.failing.update(
        dict.fromkeys(("prefix-overview", "maxmind-geo-lite", "abuse-contact-finder"), "odd")
    )
    row = offender("185.220.101.10", status=Offender.Status.PENDING, enriched=False)
    sweep_pending.delay().get(timeout=20)
    enrichment = wait_until(lambda: staged(row), timeout=20)
    assert enrichment is not None, worker.log()
    stored = (enrichment.asn, enrichment.prefix, enrichment.country, enrichment.rir, enrichment.abuse_contact)
    assert stored == ("unknown",) * 5
    assert len(enrichment.errors) == 3 and all("unexpected answer" in e for e in enrichment.errors)
    # Logged, unless a like failure was logged less than a minute ago (an earlier test's, on this shared
    # worker): the worker holds repeats back as every process does (tmuxhub.logs.RepeatedErrors).
    logged = re.compile(r"abuse\.enrich \S+ \(attempt 1\): RIPE Stat: ")
    assert wait_until(lambda: logged.search(worker.log()), timeout=10)
    abuse_services.ripestat.failing.clear()  # the bounded retries then fill it in
    assert wait_until(lambda: Enrichment.objects.filter(offender=row, country="NL").exists(), timeout=20)
