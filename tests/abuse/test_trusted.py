"""Strangers cannot lock the owner out, nor get the owner (or Claude's shared egress) reported.

A request with a valid token or a staff session spends only its own budget and is never recorded;
its address becomes known good (never staged or reported). Static files are not anonymous traffic,
a browser gets a readable 429 page, and IPv6 is counted by /64. Through a real uvicorn and Redis.
"""

from __future__ import annotations

import time

import httpx
import pytest
from django.conf import settings

from abuse.knowngood import staging_refusal
from abuse.models import KnownGood, Offender
from abuse.reporting import ReportRefused, send_report
from abuse.tasks import enrich
from tests.abuse.factories import offender
from tests.support.hub import Hub
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(hub: Hub, path: str, ip: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{hub.url}{path}", headers={"X-Forwarded-For": ip, **headers}, timeout=10)


def staff_cookie(make_user, user=None) -> str:
    """A logged-in staff member's session cookie, as a login leaves it in the database."""
    from importlib import import_module

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    user = user or make_user("owner", is_staff=True)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def flushed_after(hub: Hub, new_ip) -> None:
    """Wait until a refusal counted after this point is in the database (so anything counted
    before it is too: the collector writes in order)."""
    sentinel = new_ip()
    assert fetch(hub, "/.env", sentinel).status_code == 429
    assert wait_until(lambda: Offender.objects.filter(ip=sentinel).exists())


def test_a_valid_token_after_junk_tokens_from_its_address_is_served(
    limited_hub, new_ip, make_user, make_token
) -> None:
    token = make_token(make_user("claude"), resource=limited_hub.mcp_url)
    shared_egress = new_ip()
    junk = [get(limited_hub, "/mcp", shared_egress, token=f"junk-{n}").status_code for n in range(10)]
    assert junk[-1] == 429  # the junk connector is banned...
    answers = [get(limited_hub, "/healthz", shared_egress, token=token).status_code for _ in range(8)]
    assert 429 not in answers  # ...the real one behind the same address is not, past the anonymous limit
    assert wait_until(lambda: KnownGood.objects.filter(network=shared_egress).exists())


def test_a_staff_session_is_never_refused_nor_recorded(limited_hub, new_ip, make_user) -> None:
    cookie = staff_cookie(make_user)
    owner = new_ip()
    # A cross-site <img src="https://hub/.env"> from the owner's browser, without the cookie: a ban.
    assert fetch(limited_hub, "/.env", owner).status_code == 429
    assert fetch(limited_hub, "/healthz", owner).status_code == 429
    # The owner browsing the admin (far past the anonymous limit) and the live view is not refused.
    answers = [fetch(limited_hub, "/admin/", owner, Cookie=cookie).status_code for _ in range(12)]
    assert 429 not in answers and answers[0] == 200
    assert fetch(limited_hub, "/wp-login.php", owner, Cookie=cookie).status_code != 429
    flushed_after(limited_hub, new_ip)
    row = Offender.objects.get(ip=owner)
    assert (row.reason_counts(), row.hits) == ({"exploit": 1, "banned": 1}, 2)
    assert KnownGood.objects.filter(network=owner).exists()


def test_a_strangers_request_cannot_ban_a_known_good_address(
    limited_hub, new_ip, make_user, make_token
) -> None:
    token = make_token(make_user("claude"), resource=limited_hub.mcp_url)
    egress = new_ip()
    assert get(limited_hub, "/healthz", egress, token=token).status_code != 429
    assert wait_until(lambda: KnownGood.objects.filter(network=egress).exists())
    # Made to fetch /.env, or a junk connector beside the real one: no ban on the shared address,
    # so anonymous requests from it (a token refresh at /token, the owner's login) still get through.
    assert get(limited_hub, "/.env", egress).status_code == 404
    assert [get(limited_hub, "/mcp", egress, token=f"junk-{n}").status_code for n in range(3)] == [401] * 3
    assert get(limited_hub, "/healthz", egress).status_code != 429


def test_known_good_addresses_are_never_staged_or_reported(
    limited_hub, new_ip, make_user, make_token, settings
) -> None:
    token = make_token(make_user("claude"), resource=limited_hub.mcp_url)
    ip = new_ip()
    assert get(limited_hub, "/healthz", ip, token=token).status_code != 429
    assert wait_until(lambda: KnownGood.objects.filter(network=ip).exists())
    row = offender(ip, status=Offender.Status.PENDING, enriched=False)
    assert "known good" in enrich(row.pk)
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.PENDING
    settings.ABUSEIPDB_KEY = "a-key-that-is-never-used"
    with pytest.raises(ReportRefused, match="known good"):
        send_report(row.pk)


def test_one_stray_request_is_counted_but_not_staged(limited_hub, new_ip) -> None:
    ip = new_ip()
    assert fetch(limited_hub, "/.env", ip).status_code == 429  # one cross-site <img>
    row = wait_until(lambda: Offender.objects.filter(ip=ip, reason_rows__reason="exploit").first())
    assert row is not None and "1 recorded request" in enrich(row.pk, force=True)
    assert Offender.objects.get(pk=row.pk).status == Offender.Status.PENDING
    assert fetch(limited_hub, "/healthz", ip).status_code == 429
    row = wait_until(lambda: Offender.objects.filter(ip=ip, reason_rows__reason="banned").first())
    assert row is not None and staging_refusal(row) is None  # a second request: it may be staged


def test_a_browser_gets_a_readable_page_and_an_api_client_json(limited_hub, new_ip) -> None:
    ip = new_ip()
    assert fetch(limited_hub, "/.env", ip).status_code == 429
    page = fetch(limited_hub, "/admin/", ip, Accept="text/html,application/xhtml+xml,*/*;q=0.8")
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert "Too many requests" in page.text and int(page.headers["Retry-After"]) > 0
    api = fetch(limited_hub, "/mcp", ip, Accept="application/json")
    assert api.status_code == 429 and api.json()["error"] == "too_many_requests"


def test_static_files_do_not_spend_the_anonymous_budget(limited_hub, new_ip) -> None:
    ip = new_ip()
    assets = [fetch(limited_hub, "/static/admin/css/base.css", ip).status_code for _ in range(12)]
    assert assets == [200] * 12
    pages = [fetch(limited_hub, "/healthz", ip).status_code for _ in range(6)]
    assert pages[:5].count(429) == 0 and pages[5] == 429


def _network() -> str:
    n = time.time_ns()
    return f"2001:db8:{n % 65000:x}:{n // 65000 % 65000:x}"


def test_ipv6_addresses_of_one_64_share_a_throttle_and_a_ban(limited_hub) -> None:
    net = _network()
    answers = [fetch(limited_hub, "/healthz", f"{net}::{n}").status_code for n in range(1, 7)]
    assert answers[:5].count(429) == 0 and answers[5] == 429
    # What is recorded (and would be reported) is the address seen, not the network.
    assert wait_until(
        lambda: Offender.objects.filter(ip=f"{net}::6", reason_rows__reason="throttled").exists()
    )

    site = _network().rsplit(":", 1)[0]
    assert fetch(limited_hub, "/.env", f"{site}:1::1").status_code == 429
    assert fetch(limited_hub, "/healthz", f"{site}:1:2:3:4:5").status_code == 429  # the /64 is banned
    assert fetch(limited_hub, "/healthz", f"{site}:2::1").status_code != 429  # the next /64 is not


def test_registrations_are_budgeted_per_ipv6_64(hub_factory) -> None:
    hub = hub_factory(TMUXHUB_TRUSTED_PROXIES="127.0.0.1", TMUXHUB_DCR_PER_IP_PER_HOUR="2")
    net = _network()
    statuses = [
        httpx.post(
            f"{hub.url}/register",
            json={"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"], "client_name": f"c{n}"},
            headers={"X-Forwarded-For": f"{net}::{n}"},
            timeout=10,
        ).status_code
        for n in range(1, 4)
    ]
    assert statuses == [201, 201, 429]


def test_the_review_marks_known_good_addresses(client, make_user) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    admin = get_user_model().objects.create_superuser("admin", "admin@example.net", "pw")
    client.cookies[settings.SESSION_COOKIE_NAME] = staff_cookie(make_user, admin).split("=", 1)[1]
    owner = offender("45.1.2.3", status=Offender.Status.PENDING)
    stranger = offender("45.1.2.4", status=Offender.Status.PENDING)
    KnownGood.objects.create(network=owner.ip, last_seen=timezone.now())
    page = client.get("/admin/abuse/offender/?status=pending")
    assert page.status_code == 200
    rows = {
        ip: row
        for row in page.content.decode().split("<tr")[1:]
        for ip in (owner.ip, stranger.ip)
        if ip in row
    }
    assert "known good" in rows[owner.ip] and "known good" not in rows[stranger.ip]
