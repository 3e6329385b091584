"""Addresses nobody on the internet owns (private, shared, documentation) get a status of their own when
they are collected, with the reason: never staged, so never listed or sent as ready to report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from abuse.models import Offender
from abuse.tasks import sweep_pending
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

UNREPORTABLE = {
    "10.20.30.40": "private address",
    "192.0.2.77": "documentation address",
    "100.64.1.2": "shared address space (carrier-grade NAT)",
}


def test_unreportable_addresses_get_their_own_status_when_collected(limited_hub, new_ip, settings) -> None:
    settings.ABUSE_QUIET_SECONDS = 0
    public = new_ip()
    for ip in (public, *UNREPORTABLE):
        assert [get(limited_hub, "/healthz", ip).status_code for _ in range(6)][-1] == 429
    ips = [public, *UNREPORTABLE]
    assert wait_until(lambda: Offender.objects.filter(ip__in=ips, hits=1).count() == len(ips), timeout=10)

    assert Offender.objects.get(ip=public).status == Offender.Status.PENDING
    for ip, reason in UNREPORTABLE.items():
        row = Offender.objects.get(ip=ip)
        assert (row.status, row.unreportable_reason) == (Offender.Status.NOT_REPORTABLE, reason)

    # Nothing stages them, lists them, or counts them as not sent.
    assert sweep_pending() == 1  # the public one only (no worker here: queued, not run)
    out = StringIO()
    call_command("abuse_report", "--list", stdout=out)
    call_command("abuse_report", "--all", stdout=out)
    assert not any(ip in out.getvalue() for ip in UNREPORTABLE)
