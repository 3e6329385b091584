"""The owner's day in the admin, in headless Chromium against the running hub: log in, read the
dashboard, report a staged offender to (the fake) AbuseIPDB, revoke a token, watch a pane."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import libtmux
import pytest
from django.contrib.auth import get_user_model

from tests.fakes.github import FakeGitHub
from tests.fixtures.abuse_services import AbuseServices
from tests.fixtures.browser import screenshot
from tests.fixtures.panes import SHELL
from tests.hub import Hub
from tmuxhub.accounts.models import AllowedGitHubUser

from .conftest import log_in, person_with_token, week_of_abuse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def test_the_owner_logs_in_and_sees_the_week(page: Any, admin_hub: Hub, owner: Any) -> None:
    week_of_abuse()

    log_in(page, admin_hub)

    bars = page.locator("#chart-429-answers-per-day g.bar")
    assert bars.count() == 7
    assert bars.last.get_attribute("data-value") == "120"
    assert page.locator("#chart-429-answers-per-day rect").last.bounding_box()["height"] > 50
    assert page.locator("#count-staged").inner_text() == "1"
    screenshot(page, "dashboard")


def test_a_staged_offender_is_reported_from_its_page(
    page: Any, admin_hub: Hub, owner: Any, abuse_services: AbuseServices, celery_worker_factory: Any
) -> None:
    celery_worker_factory(**abuse_services.env)
    staged = week_of_abuse()["staged"]
    log_in(page, admin_hub)
    page.click("a.hub-card-staged")
    page.click(f"text={staged.ip}")
    assert "AS64500" in page.locator("#review-enrichment").inner_text()
    screenshot(page, "offender-review")

    page.click("button[data-action=submit_reports]")

    assert "1 report(s) queued" in page.locator(".messagelist").inner_text()
    accepted = _eventually(lambda: [r for r in abuse_services.abuseipdb.accepted if r.ip == staged.ip])
    assert accepted[0].categories == "21,15,19"

    def shown_as_reported() -> bool:
        page.goto(f"{admin_hub.url}/admin/abuse/offender/{staged.pk}/change/")
        return "reported" in page.locator("#review-categories dd").first.inner_text()

    _eventually(shown_as_reported)
    screenshot(page, "offender-reported")


def test_a_revoked_token_stops_working_at_once(page: Any, admin_hub: Hub, owner: Any) -> None:
    person_with_token("octocat", "Claude", resource=admin_hub.mcp_url)
    person_with_token("hubot", "MCP Inspector", resource=admin_hub.mcp_url)

    def mcp_status(token: str) -> int:
        initialize = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"}
        return httpx.post(admin_hub.mcp_url, json=initialize, headers=headers, timeout=10).status_code

    assert mcp_status("access-octocat") != 401
    log_in(page, admin_hub)
    page.click("nav.hub-nav >> text=People")
    screenshot(page, "people")

    page.click("#person-octocat button:has-text('Revoke')")

    assert "Revoked a token of octocat" in page.locator(".messagelist").inner_text()
    assert "No live tokens" in page.locator("#person-octocat").inner_text()
    assert page.locator("#person-hubot .hub-token").count() == 1
    assert mcp_status("access-octocat") == 401
    assert mcp_status("access-hubot") != 401


def test_the_pane_view_follows_what_the_agent_types(
    page: Any, admin_hub: Hub, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    pane = make_pane(SHELL, name="agent", ready="$")
    log_in(page, admin_hub)
    page.click("nav.hub-nav >> text=Live panes")
    page.click("text=agent:0.0")
    terminal = page.locator("#pane-text")

    pane.send_keys("echo hello-from-the-agent")
    terminal.filter(has_text="hello-from-the-agent").wait_for()
    pane.send_keys("echo second-step-done")
    terminal.filter(has_text="second-step-done").wait_for()

    assert "updated" in page.locator("#pane-status").inner_text()
    screenshot(page, "live-pane")


def test_allow_listed_staff_log_in_to_the_admin_with_github(
    page: Any, admin_hub: Hub, fake_github: FakeGitHub
) -> None:
    AllowedGitHubUser.objects.create(github_login="octocat", is_staff=True)

    page.goto(f"{admin_hub.url}/admin/")
    screenshot(page, "admin-login")
    page.click("text=Log in with GitHub")

    page.wait_for_url(f"{admin_hub.url}/admin/")
    assert page.locator("h1").inner_text() == "Dashboard"
    user = get_user_model().objects.get(allow_list_entry__github_login="octocat")
    assert user.is_staff and user.is_superuser
