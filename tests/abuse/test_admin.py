"""The abuse review in the Django admin: lists, filters, evidence and the actions."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from abuse.models import Offender
from abuse.store import key_prefix
from tests.abuse.factories import offender

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/admin/abuse/offender/"


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser("admin", "admin@example.net", "pw")
    client.force_login(admin)
    return client


def test_the_lists_filter_by_status_and_search(staff_client) -> None:
    offender("185.220.101.80")
    offender("185.220.101.81", status=Offender.Status.PENDING)
    staged = staff_client.get(URL, {"status__exact": "staged"}).content.decode()
    assert "185.220.101.80" in staged and "185.220.101.81" not in staged
    assert "Web app attack, Hacking, Bad web bot" in staged  # categories, by name
    found = staff_client.get(URL, {"q": "185.220.101.81"}).content.decode()
    assert "185.220.101.81" in found and "185.220.101.80" not in found


def test_an_offender_page_shows_counts_samples_and_enrichment(staff_client) -> None:
    row = offender("185.220.101.82")
    page = staff_client.get(f"{URL}{row.pk}/change/").content.decode()
    for text in ("/wp-login.php", "zgrab/0.x", "AS64500", "EXAMPLE-AS", "42"):
        assert text in page


def test_dismiss_and_allow_list_actions(staff_client, settings) -> None:
    import redis

    noisy = offender("185.220.101.83")
    friend = offender("185.220.101.84")
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set(f"{key_prefix()}:ban:{friend.ip}", "exploit", ex=60)

    staff_client.post(URL, {"action": "dismiss", "_selected_action": [noisy.pk]})
    staff_client.post(URL, {"action": "allow_list", "_selected_action": [friend.pk]})
    assert Offender.objects.get(pk=noisy.pk).status == Offender.Status.DISMISSED
    assert Offender.objects.get(pk=friend.pk).status == Offender.Status.ALLOWLISTED
    assert not client.exists(f"{key_prefix()}:ban:{friend.ip}")  # the ban is lifted at once


def test_submit_and_enrich_actions_go_through_the_worker(staff_client, abuse_services, abuse_worker) -> None:
    from tests.support.waits import wait_until

    row = offender("185.220.101.85")
    staff_client.post(URL, {"action": "enrich_now", "_selected_action": [row.pk]})
    staff_client.post(URL, {"action": "submit_reports", "_selected_action": [row.pk]})
    assert wait_until(lambda: Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED, timeout=20)
    assert wait_until(lambda: abuse_services.ripestat.calls("prefix-overview") == [row.ip], timeout=20)
    assert [r.ip for r in abuse_services.abuseipdb.accepted] == [row.ip]


def test_submit_says_per_ip_what_was_queued_and_what_was_refused(
    staff_client, abuse_services, abuse_worker
) -> None:
    from django.utils import timezone

    from abuse.reporting import send_report
    from tests.support.waits import wait_until

    fresh = offender("185.220.101.86")
    recent = offender("185.220.101.87")
    send_report(recent.pk)
    # New hits came in, but its last report is minutes old: the 15-minute rule refuses it.
    Offender.objects.filter(pk=recent.pk).update(status=Offender.Status.STAGED, last_seen=timezone.now())

    page = staff_client.post(
        URL, {"action": "submit_reports", "_selected_action": [fresh.pk, recent.pk]}, follow=True
    ).content.decode()
    assert "Queued for AbuseIPDB: 185.220.101.86." in page
    assert "185.220.101.87: not queued: " in page and "15 minutes" in page
    assert wait_until(
        lambda: Offender.objects.get(pk=fresh.pk).status == Offender.Status.REPORTED, timeout=20
    )
    assert [r.ip for r in abuse_services.abuseipdb.accepted] == [recent.ip, fresh.ip]
