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

from abuse.models import Offender
from tests.abuse.factories import offender
from tests.support.hub import BASE_DIR, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio, pytest.mark.slow]


def test_admin_submit_says_the_broker_is_down_within_seconds_and_works_once_it_is_back(
    own_redis, hub_factory, celery_worker_factory, abuse_services
) -> None:
    hub = hub_factory(REDIS_URL=own_redis.url, **abuse_services.env)
    row = offender("185.220.104.1")
    browser = Client()
    browser.force_login(get_user_model().objects.create_superuser("broker-admin", "a@example.net", "pw"))
    cookies = {"sessionid": browser.cookies["sessionid"].value}
    with httpx.Client(base_url=hub.url, cookies=cookies, timeout=60) as http:
        page = http.get("/admin/abuse/offender/").text
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match is not None, page[:2000]
        form = {"action": "submit_reports", "_selected_action": str(row.pk), "csrfmiddlewaretoken": match[1]}

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
