"""Redis (the Celery broker) stops: what queues a task (the admin's Submit) answers within seconds with
a message naming the broker and works again once Redis is back; what sends in-process (abuse_report,
the abuse_send_report tool) goes on working."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from abuse.models import Offender, Report
from tests.abuse.factories import offender
from tests.support.hub import BASE_DIR, Hub, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio, pytest.mark.slow]


def test_admin_submit_says_the_broker_is_down_within_seconds_and_works_once_it_is_back(
    own_redis, hub_factory, celery_worker_factory, abuse_services
) -> None:
    hub = hub_factory(REDIS_URL=own_redis.url, **abuse_services.env)
    row = offender("185.220.104.1")
    with admin_client(hub) as http:
        form = submit_form(http, row)

        own_redis.stop()
        started = time.monotonic()
        down = http.post("/admin/abuse/offender/", data=form, follow_redirects=True)
        took = time.monotonic() - started
        assert down.status_code == 200, down.text[-2000:]
        assert "the task broker, Redis (REDIS_URL), is not answering" in html.unescape(down.text)
        assert took < 8, f"the admin took {took:.1f}s to say the broker is down"

        own_redis.start()
        celery_worker_factory(REDIS_URL=own_redis.url, **abuse_services.env)
        back = http.post("/admin/abuse/offender/", data=form, follow_redirects=True)
        assert "Queued for AbuseIPDB: 185.220.104.1." in html.unescape(back.text)
    assert wait_until(lambda: Offender.objects.get(pk=row.pk).status == Offender.Status.REPORTED, timeout=30)
    assert [r.ip for r in abuse_services.abuseipdb.accepted] == [row.ip]
    assert "Traceback" not in hub.log()


def admin_client(hub: Hub) -> httpx.Client:
    """A superuser's browser session on `hub`."""
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("broker-admin", "a@example.net", "pw"))
    return httpx.Client(
        base_url=hub.url, cookies={"sessionid": browser.cookies["sessionid"].value}, timeout=60
    )


def submit_form(http: httpx.Client, row: Offender) -> dict[str, str]:
    """The offender list's *Submit to AbuseIPDB* action for `row`, as the page's form posts it."""
    page = http.get("/admin/abuse/offender/").text
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None, page[:2000]
    return {"action": "submit_reports", "_selected_action": str(row.pk), "csrfmiddlewaretoken": match[1]}


def test_a_report_queued_while_redis_was_away_or_lost_with_its_restart_is_sent_once_it_is_back(
    own_redis, hub_factory, celery_worker_factory, abuse_services
) -> None:
    hub = hub_factory(REDIS_URL=own_redis.url, **abuse_services.env)
    while_down, lost_in_restart = offender("185.220.104.4"), offender("185.220.104.5")
    with admin_client(hub) as http:
        own_redis.stop()
        down = http.post("/admin/abuse/offender/", data=submit_form(http, while_down), follow_redirects=True)
        assert f"{while_down.ip}&#x27;s report is kept" in down.text, down.text[-3000:]
        own_redis.start()
        queued = http.post(
            "/admin/abuse/offender/", data=submit_form(http, lost_in_restart), follow_redirects=True
        )
        assert f"Queued for AbuseIPDB: {lost_in_restart.ip}." in html.unescape(queued.text)
    own_redis.stop()  # before any worker took the task: this Redis keeps nothing on disk
    own_redis.start()
    assert sorted(Report.objects.values_list("state", "attempts")) == [("queued", 0), ("queued", 0)]

    worker = celery_worker_factory(
        beat=True,
        REDIS_URL=own_redis.url,
        ABUSE_SWEEP_SECONDS="1",
        ABUSE_QUEUED_GRACE_SECONDS="2",
        **abuse_services.env,
    )

    wait_until(
        lambda: set(Offender.objects.values_list("status", flat=True)) == {Offender.Status.REPORTED},
        timeout=60,
        context=worker.log,
    )
    assert sorted(r.ip for r in abuse_services.abuseipdb.accepted) == [while_down.ip, lost_in_restart.ip]
    assert sorted(Report.objects.values_list("state", "attempts")) == [("sent", 1), ("sent", 1)]


@pytest.fixture
def reporting_hub(own_redis, hub_factory, abuse_services, make_user, make_token):
    """A hub on the throw-away Redis that may send reports, a token for it, and two staged offenders."""
    hub = hub_factory(REDIS_URL=own_redis.url, TMUXHUB_SAFETY_TIER="destructive", **abuse_services.env)
    token = make_token(make_user("broker-owner", tier="destructive", is_staff=True), resource=hub.mcp_url)
    return hub, token, offender("185.220.104.2"), offender("185.220.104.3")


async def test_the_cli_and_the_tool_send_in_process_while_redis_is_down(
    own_redis, reporting_hub, abuse_services
) -> None:
    hub, token, by_tool, by_cli = reporting_hub

    own_redis.stop()
    async with mcp_session(hub, token) as session:
        started = time.monotonic()
        result = await session.call_tool("abuse_send_report", {"ip": by_tool.ip})
        took = time.monotonic() - started
    assert not result.is_error, result.content[0].text
    assert took < 8, f"the tool took {took:.1f}s with Redis down"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "REDIS_URL": own_redis.url}
    cli = subprocess.run(
        [sys.executable, "manage.py", "abuse_report", by_cli.ip],
        cwd=BASE_DIR,
        env={**env, **abuse_services.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0 and f"{by_cli.ip}: reported" in cli.stdout, cli.stderr
    assert "Traceback" not in cli.stderr
    assert sorted(r.ip for r in abuse_services.abuseipdb.accepted) == [by_tool.ip, by_cli.ip]
