"""The owner's day in the admin, in headless Chromium against the running hub: every page fits a
phone and a desktop in both colour schemes with readable contrast; log in, read the dashboard,
report a staged offender to (the fake) AbuseIPDB, revoke a token, watch a pane."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import libtmux
import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from oauth2_provider.models import AccessToken

from abuse.middleware import PAGE_429
from abuse.models import Offender, Report
from bridge.models import ToolCall
from tests.admin.filled import week_of_abuse
from tests.fakes.github import FakeGitHub
from tests.fixtures.abuse_services import AbuseServices
from tests.fixtures.browser import new_page, screenshot
from tests.fixtures.panes import SHELL
from tests.support import axe
from tests.support.hub import Hub
from tests.support.people import log_in, person_with_token
from tmuxhub.accounts.models import AllowedGitHubUser

from .filled import fill

CONTRAST = (Path(__file__).parent / "contrast.js").read_text()
SCREENS = [(1440, 900), (390, 844)]
SCHEMES = ["light", "dark"]
# An idle pane is polled every 10 s at most (tmuxhub/dashboard/panes.py): a change shows within that,
# plus a loaded machine's slack.
POLLED_MS = 25_000
LOCK = {"failure_limit": 5, "cooloff_timedelta": timedelta(minutes=15)}

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(shared_browser: Any) -> Any:
    """One Chromium for the whole module (this module holds no anyio test)."""
    return shared_browser


def _eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def _admin_pages(pane: str) -> dict[str, str]:
    offender = Offender.objects.filter(status=Offender.Status.STAGED, enrichment__isnull=False).first()
    call = ToolCall.objects.first()
    report = Report.objects.first()
    entry = AllowedGitHubUser.objects.first()
    token = AccessToken.objects.first()
    assert offender is not None and call is not None and report and entry and token
    return {
        "dashboard": "/admin/",
        "abuse-review": "/admin/abuse/offender/",
        "offender": f"/admin/abuse/offender/{offender.pk}/change/",
        "reports": "/admin/abuse/report/",
        "audit-log": "/admin/bridge/toolcall/",
        "tool-call": f"/admin/bridge/toolcall/{call.pk}/change/",
        "people": "/admin/people/",
        "allow-list": "/admin/accounts/allowedgithubuser/",
        "oauth-clients": "/admin/oauth2_provider/application/",
        "live-pane": f"/admin/panes/?target={pane.replace('%', '%25')}",
        "allow-someone": "/admin/accounts/allowedgithubuser/add/",
        "allow-list-entry": f"/admin/accounts/allowedgithubuser/{entry.pk}/change/",
        "oauth-client": f"/admin/oauth2_provider/application/{token.application_id}/change/",
        "access-tokens": "/admin/oauth2_provider/accesstoken/",
        "report": f"/admin/abuse/report/{report.pk}/change/",
        "users": "/admin/auth/user/",
        "user": f"/admin/auth/user/{token.user_id}/change/",
        "groups": "/admin/auth/group/",
        "refresh-tokens": "/admin/oauth2_provider/refreshtoken/",
        "grants": "/admin/oauth2_provider/grant/",
        "id-tokens": "/admin/oauth2_provider/idtoken/",
        "password-change": "/admin/password_change/",
        "github-accounts": "/admin/social_django/usersocialauth/",
    }


def _answer(dialog: Any, asked: list[str], accept: bool) -> None:
    """Note a confirmation's question, then answer it."""
    asked.append(dialog.message)
    if accept:
        dialog.accept()
    else:
        dialog.dismiss()


def _misfits(page: Any, where: str, width: int) -> list[str]:
    """What is wrong with the page as shown: wider than the screen, text or bars under AA contrast,
    a serious or critical axe-core finding."""
    problems = [f"{where}: contrast {failure}" for failure in page.evaluate(CONTRAST)]
    problems.extend(f"{where}: axe {violation}" for violation in axe.violations(page))
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"{where}: {scroll_width}px wide")
    return problems


def _served(page: Any, hub: Hub, path: str, status: int, html: str) -> None:
    """Open `html` as the hub's answer at `path`: pages that take a fault or a flood to reach (500,
    429, the lockout), rendered by the product's own code, with the hub's stylesheet."""
    answer = {"status": status, "body": html, "content_type": "text/html"}
    page.route(hub.url + path, lambda route: route.fulfill(**answer))
    page.goto(hub.url + path)


def _public_pages(page: Any, hub: Hub, where: str, width: int) -> list[str]:
    """The pages anyone may meet, checked like the admin's: start, login, 404, CSRF, 500, 429, lockout."""
    problems: list[str] = []
    scheme = where.split()[-1]
    locked_page = render_to_string("accounts/locked.html", LOCK)
    checks: list[tuple[str, Callable[[], Any]]] = [
        ("tmuxhub", lambda: page.goto(hub.url + "/")),
        ("Log in to tmuxhub", lambda: page.goto(hub.url + "/accounts/login/")),
        ("There is no page here", lambda: page.goto(hub.url + "/no-such-page")),
        ("This form could not be sent", lambda: _csrf_failure(page, hub)),
        ("Something went wrong", lambda: _served(page, hub, "/__500", 500, render_to_string("500.html"))),
        ("Too many requests", lambda: _served(page, hub, "/__429", 429, PAGE_429.format(wait="30 seconds"))),
        ("Too many failed logins", lambda: _served(page, hub, "/__lock", 429, locked_page)),
    ]
    for heading, show in checks:
        show()
        problems.extend(_misfits(page, f"{heading} at {where}", width))
        assert heading in page.locator("main h1").inner_text(), f"{heading}: not in a main landmark"
        screenshot(page, f"{heading.split()[-1].lower()}-{width}-{scheme}")
    return problems


def _csrf_failure(page: Any, hub: Hub) -> None:
    """A form sent without its CSRF token, as after a long pause in another session."""
    page.goto(f"{hub.url}/admin/login/")
    page.fill("#id_username", "someone")
    page.fill("#id_password", "not-the-password")
    page.locator("#login-form input[name=csrfmiddlewaretoken]").evaluate("input => input.remove()")
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")


def test_every_page_fits_the_screen_with_readable_colours(
    browser: Any, admin_hub: Hub, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    """Phone and desktop, light and dark: no page scrolls sideways (wide tables and the terminal
    scroll inside their own box), text and chart bars meet WCAG AA contrast, and axe-core finds
    nothing serious or critical (WCAG 2.2 AA and best practice) on any admin or public page."""
    fill()
    pane = make_pane(f"{SHELL} -c 'printf \"\\033[32mgreen\\033[0m %0300d\\n\" 7; sleep 600'", name="agent")
    pages = _admin_pages(str(pane.pane_id))
    problems: list[str] = []
    for width, height in SCREENS:
        for scheme in SCHEMES:
            page = new_page(browser, width, height, scheme)
            problems.extend(_public_pages(page, admin_hub, f"{width}px {scheme}", width))
            page.goto(f"{admin_hub.url}/admin/login/")
            problems.extend(_misfits(page, f"admin login at {width}px {scheme}", width))
            screenshot(page, f"admin-login-{width}-{scheme}")
            log_in(page, admin_hub)
            for name, path in pages.items():
                assert page.goto(admin_hub.url + path).ok, f"{name} at {width}px {scheme}: not answered"
                problems.extend(_misfits(page, f"{name} at {width}px {scheme}", width))
                screenshot(page, f"{name}-{width}-{scheme}")
            page.context.close()
    assert not problems, "\n".join(problems)


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

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[data-action=submit_reports]")

    assert f"/admin/abuse/offender/{staged.pk}/change/" in page.url  # back where it started
    assert f"Queued for AbuseIPDB: {staged.ip}" in page.locator(".messagelist").inner_text()
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
    revoke = page.locator("#person-octocat .hub-token button")

    asked: list[str] = []
    page.once("dialog", lambda dialog: _answer(dialog, asked, accept=False))
    revoke.click()
    assert asked == ["End octocat's sign-in through Claude? They will have to log in again."]
    assert page.locator("#person-octocat .hub-token").count() == 1  # "Cancel" keeps it
    assert mcp_status("access-octocat") != 401

    page.once("dialog", lambda dialog: dialog.accept())
    revoke.click()

    page.wait_for_url(f"{admin_hub.url}/admin/people/")  # back where it started
    assert "Revoked octocat's sign-in through Claude" in page.locator(".messagelist").inner_text()
    assert "Not signed in" in page.locator("#person-octocat").inner_text()
    assert page.locator("#person-hubot .hub-token").count() == 1
    assert mcp_status("access-octocat") == 401
    assert mcp_status("access-hubot") != 401


def test_the_pane_view_follows_what_the_agent_types(
    page: Any, admin_hub: Hub, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    """Colours shown, the list kept fresh, a closed pane said plainly."""
    pane = make_pane(SHELL, name="agent", ready="$")
    log_in(page, admin_hub)
    page.click("nav.hub-nav >> text=Live panes")
    page.click("text=agent:0.0")
    terminal = page.locator("#pane-text")

    pane.send_keys("printf '\\033[31mhello-from-the-agent\\033[0m\\n'")
    terminal.locator(".a-f1", has_text="hello-from-the-agent").wait_for(timeout=POLLED_MS)
    pane.send_keys("echo second-step-done")
    terminal.filter(has_text="second-step-done").wait_for(timeout=POLLED_MS)
    assert "live ·" in page.locator("#pane-status").inner_text()
    screenshot(page, "live-pane")

    make_pane(SHELL, name="newcomer")
    page.locator("#pane-list", has_text="newcomer:0.0").wait_for(timeout=POLLED_MS)

    pane.window.kill()
    page.locator("#pane-status", has_text="agent:0.0 is closed").wait_for(timeout=POLLED_MS)
    assert "tmux_" not in page.locator("#pane-status").inner_text()


def test_a_full_screen_program_is_shown_from_its_top(
    browser: Any, admin_hub: Hub, owner: Any, tmux: libtmux.Server, make_pane: Callable[..., libtmux.Pane]
) -> None:
    """On a phone the screen is taller than the box: the view starts at the program's first row
    (top's header), while a shell's view follows its newest line."""
    tmux.new_session("pager", window_command="seq -f '%090g' 1000 | less -S", x=100, y=80)
    shell = make_pane(f"{SHELL} -c 'seq 1000; sleep 600'", name="shell")
    page = new_page(browser, 390, 844)
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/panes/?target=pager:0.0")
    terminal = page.locator("#pane-text")
    page.locator("#pane-status", has_text="live ·").wait_for()
    assert terminal.evaluate("e => e.scrollHeight > e.clientHeight && e.scrollTop === 0")
    # Its 90-character lines scroll sideways inside the box, not the page.
    assert terminal.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "live-pane-full-screen-390")

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(shell.pane_id).replace('%', '%25')}")
    page.locator("#pane-status", has_text="live ·").wait_for()
    assert terminal.evaluate("e => e.scrollTop + e.clientHeight >= e.scrollHeight - 4")


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


def test_claude_code_is_watched_from_a_phone(
    browser: Any, admin_hub: Hub, owner: Any, claude_pane: Callable[..., libtmux.Pane]
) -> None:
    """The real Claude Code TUI on a 390 px screen: its colours, its input box, nothing off screen;
    its wide lines scroll inside the terminal box, or wrap when asked."""
    pane = claude_pane()
    page = new_page(browser, 390, 844, "dark")
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(pane.pane_id).replace('%', '%25')}")
    terminal = page.locator("#pane-text")
    page.locator("#pane-status", has_text="live ·").wait_for()

    assert "? for shortcuts" in terminal.inner_text()
    assert terminal.locator("span[class^='a-'], span[style]").count() > 0  # colours kept
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert terminal.evaluate("e => e.scrollWidth > e.clientWidth")  # wide lines scroll in the box
    screenshot(page, "claude-code-390-dark")
    page.click("#pane-wrap")
    assert terminal.evaluate("e => e.scrollWidth <= e.clientWidth")
    page.reload()
    assert page.get_attribute("#pane-wrap", "aria-pressed") == "true"  # remembered


def test_staff_browsing_fast_is_never_throttled(
    browser: Any, hub_factory: Any, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    """A minute of the owner's day compressed into seconds, against an anonymous limit of 10 a
    minute (20 pages and more): logged-in staff and static files are not anonymous traffic, so no
    answer is a 429."""
    # Counters of its own: other hubs of this run spent 127.0.0.1's anonymous budget in the same minute.
    own_counters = f"{os.environ['TMUXHUB_INSTANCE']}-browsing"
    hub = hub_factory(ABUSE_ANON_LIMIT="10", ABUSE_ANON_WINDOW="60", TMUXHUB_INSTANCE=own_counters)
    fill(offenders=8, tool_calls=10)  # the 7th is reported: one report to show
    pane = make_pane(SHELL, name="agent", ready="$")
    by_name = _admin_pages(str(pane.pane_id))
    pages = list(by_name.values())
    page = new_page(browser, 390, 844)
    statuses: list[tuple[int, str]] = []
    page.on("response", lambda response: statuses.append((response.status, response.url)))
    log_in(page, hub)

    for path in pages * 2:
        page.goto(hub.url + path)
    assert not [url for status, url in statuses if status == 429]
    page.goto(hub.url + by_name["live-pane"])
    page.locator("#pane-status", has_text="live ·").wait_for()
    for tick in range(2):  # the live view's polls show each line, then a reload of the page
        pane.send_keys(f"echo tick-{tick}")
        page.locator("#pane-text", has_text=f"tick-{tick}").wait_for(timeout=POLLED_MS)
        page.reload()

    throttled = [url for status, url in statuses if status == 429]
    assert len(statuses) > len(pages) * 2 and not throttled, throttled[:5]


def test_a_bulk_revoke_asks_first_and_returns_to_the_list(page: Any, admin_hub: Hub, owner: Any) -> None:
    entry, access = person_with_token("octocat", "Claude")
    log_in(page, admin_hub)
    page.goto(f"{admin_hub.url}/admin/accounts/allowedgithubuser/")
    assert "server tier:" in page.locator("#result_list").inner_text()
    page.check(f"input.action-select[value='{entry.pk}']")
    page.select_option("select[name=action]", "revoke_tokens")

    asked: list[str] = []
    page.once("dialog", lambda dialog: _answer(dialog, asked, accept=False))
    page.click("button[name=index]")
    assert asked == ["Revoke every token of the selected people (they stay allowed): 1 selected?"]
    assert AccessToken.objects.filter(pk=access.pk).exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("button[name=index]")

    assert page.url == f"{admin_hub.url}/admin/accounts/allowedgithubuser/"
    assert "Revoked 1 access tokens." in page.locator(".messagelist").inner_text()
    assert not AccessToken.objects.filter(pk=access.pk).exists()
