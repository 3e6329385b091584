"""The owner's admin on a 390 px phone: lists read as cards, results are announced, a first run says
what is missing, numbers and times read one way, error pages look like the product, and the live view
of Claude Code is legible. One Chromium for the whole module (`shared_browser`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import libtmux
import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from abuse.categories import Reason
from abuse.models import Offender, RequestSample
from tests.fixtures.browser import new_page, screenshot
from tests.fixtures.panes import SHELL
from tests.support.hub import Hub
from tests.support.people import log_in

from .filled import fill

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = 390
TIMES, DASH = "\u00d7", "\u2013"  # multiplication sign, en dash: "1,234,567 x 429, from - to"
DARK = "rgb(13, 17, 23)"  # the public pages' dark background (static/tmuxhub/auth.css)
# An idle pane is polled every 10 s at most (tmuxhub/dashboard/panes.py), plus a loaded machine's slack.
POLLED_MS = 25_000


@pytest.fixture
def phone(shared_browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Pages of 390x844 in fresh contexts (own cookies), closed after the test; a screenshot of the
    last one is kept when the test failed."""
    pages: list[Any] = []

    def open_page(scheme: str = "light") -> Any:
        page = new_page(shared_browser, PHONE, 844, scheme)
        pages.append(page)
        return page

    yield open_page
    report = getattr(request.node, "rep_call", None)
    if pages and report is not None and report.failed:
        screenshot(pages[-1], f"FAILED-{request.node.name}")
    for page in pages:
        page.context.close()


def _right_edge(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None, "not shown"
    return float(box["x"] + box["width"])


def _top(locator: Any) -> float:
    box = locator.bounding_box()
    assert box is not None, "not shown"
    return float(box["y"])


def test_on_a_phone_the_abuse_review_audit_log_and_people_read_as_cards(
    phone: Callable[..., Any], admin_hub: Hub, owner: Any
) -> None:
    fill()
    page = phone()
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/abuse/offender/?status__exact=all")
    first = page.locator("#result_list tbody tr").first
    for fact in (
        ".field-ip",
        ".field-status_chip",
        ".field-hit_count",
        ".field-country",
        ".field-last_seen_ago",
    ):
        assert _right_edge(first.locator(fact)) <= PHONE, f"{fact} is off the screen"
    hits_label = first.locator(".field-hit_count").evaluate("e => getComputedStyle(e, '::after').content")
    assert f"{TIMES} 429" in hits_label
    assert page.locator("#result_list tbody tr").count() == 25  # paginated
    assert page.locator(".paginator a").count() >= 2
    assert _top(page.locator("#changelist-filter")) < _top(page.locator("#result_list"))  # filters first
    assert _top(page.locator("#result_list")) < 2 * 844  # ... folded, so the list is within two screens
    screenshot(page, "abuse-review-phone")

    page.goto(f"{admin_hub.url}/admin/bridge/toolcall/")
    first = page.locator("#result_list tbody tr").first
    for fact in (".field-tool", ".field-outcome", ".field-when", ".field-client"):
        assert _right_edge(first.locator(fact)) <= PHONE, f"{fact} is off the screen"
    client = first.locator(".field-client").bounding_box()
    assert client is not None and client["height"] < 30  # one line, however long the client's name
    screenshot(page, "audit-log-phone")

    page.goto(f"{admin_hub.url}/admin/people/")
    revoke = page.locator(".hub-token button").first
    assert _right_edge(revoke) <= PHONE
    box = revoke.bounding_box()
    assert box is not None and box["height"] >= 24
    screenshot(page, "people-phone")


def test_an_offenders_request_samples_say_why_they_were_kept(
    phone: Callable[..., Any], admin_hub: Hub, owner: Any
) -> None:
    offender = Offender.objects.create(ip="2001:db8::7", hits=12, last_seen=timezone.now())
    RequestSample.objects.create(
        offender=offender, at=timezone.now(), method="GET", path="/.env", reason=Reason.EXPLOIT
    )
    page = phone()
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/abuse/offender/{offender.pk}/change/")

    reason = page.locator("#review-samples tbody tr td").nth(2)
    assert reason.inner_text() == Reason.EXPLOIT.label  # "probed an exploit path", never empty


def test_an_actions_outcome_is_announced_and_takes_the_focus(
    phone: Callable[..., Any], admin_hub: Hub, owner: Any
) -> None:
    offender = Offender.objects.create(ip="198.51.100.7", hits=3, last_seen=timezone.now())
    page = phone()
    log_in(page, admin_hub)
    page.goto(f"{admin_hub.url}/admin/abuse/offender/{offender.pk}/change/")

    with page.expect_navigation():
        page.click("button[data-action=dismiss]")

    page.wait_for_url(f"{admin_hub.url}/admin/abuse/offender/{offender.pk}/change/")  # back where it was
    outcome = page.locator("#hub-messages")
    assert outcome.get_attribute("role") == "status"
    assert "1 offender(s) dismissed" in outcome.inner_text()
    assert page.evaluate("document.activeElement.id") == "hub-messages"


def test_a_first_run_says_what_is_missing_and_how_to_start(
    phone: Callable[..., Any], hub_factory: Callable[..., Hub]
) -> None:
    """A hub as `make run` starts it: no GitHub app, nobody allowed, no AbuseIPDB key, no owner yet."""
    hub = hub_factory()
    page = phone("dark")

    page.goto(hub.url + "/")
    assert page.locator("#mcp-url").inner_text() == hub.url + "/mcp"
    for gap in ("github", "allow-list", "abuseipdb"):
        assert page.locator(f"#gap-{gap}").is_visible()
    assert "createsuperuser" in page.locator("#first-owner").inner_text()
    screenshot(page, "first-run-home-phone")

    page.goto(hub.url + "/admin/")
    assert page.locator("main h1").first.inner_text() == "Log in to the tmuxhub admin"
    first_run = page.locator("#first-run").inner_text()
    assert ".venv/bin/tmuxhub createsuperuser" in first_run and "source .venv/bin/activate" in first_run
    assert page.locator("text=Log in with GitHub").count() == 0
    screenshot(page, "first-run-admin-login-phone")

    for attempt in range(5):  # AXES_FAILURE_LIMIT wrong passwords
        page.fill("#id_username", "owner")
        page.fill("#id_password", f"wrong-{attempt}")
        with page.expect_navigation():
            page.click("#login-form input[type=submit]")
    assert "Too many failed logins" in page.locator("h1").inner_text()
    assert "GitHub" not in page.locator("main").inner_text()  # not configured: not promised
    screenshot(page, "first-run-locked-phone")


def test_the_empty_dashboard_and_submit_say_what_is_missing(
    phone: Callable[..., Any], hub: Hub, owner: Any
) -> None:
    # The session's plain hub is one as `make run` starts it: no GitHub app, no AbuseIPDB key.
    offender = Offender.objects.create(
        ip="203.0.113.9", hits=40, status=Offender.Status.STAGED, last_seen=timezone.now()
    )
    page = phone()
    log_in(page, hub)

    setup = page.locator("#setup")
    assert hub.url + "/mcp" in setup.inner_text()
    for gap in ("github", "allow-list", "abuseipdb"):
        assert setup.locator(f"#gap-{gap}").is_visible()
    assert not page.locator(".hub-app-list").is_visible()  # Django's leftover app list: not on a phone
    screenshot(page, "first-run-dashboard-phone")

    page.goto(f"{hub.url}/admin/abuse/offender/{offender.pk}/change/")
    asked: list[str] = []

    def note(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", note)
    page.focus("button[data-action=submit_reports]")  # aria-disabled: Playwright's click would wait
    page.keyboard.press("Enter")
    assert asked == []  # nothing to confirm: it could only fail
    missing = page.locator("#abuseipdb-missing")
    assert "ABUSEIPDB_KEY is not set" in missing.inner_text()
    assert page.evaluate("document.activeElement.id") == "abuseipdb-missing"

    page.goto(f"{hub.url}/admin/abuse/offender/")
    page.check(f"input.action-select[value='{offender.pk}']")
    page.select_option("select[name=action]", "submit_reports")
    page.click("button[name=index]")
    assert asked == []
    assert page.evaluate("document.activeElement.id") == "abuseipdb-missing"


def test_error_pages_look_like_the_product_and_lead_back(phone: Callable[..., Any], admin_hub: Hub) -> None:
    page = phone("dark")

    page.goto(admin_hub.url + "/no-such-page")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK
    assert page.locator("main a[href='/']").is_visible()
    assert "DEBUG" not in page.content()

    page.goto(admin_hub.url + "/admin/login/")
    page.fill("#id_username", "someone")
    page.fill("#id_password", "not-the-password")
    page.locator("#login-form input[name=csrfmiddlewaretoken]").evaluate("input => input.remove()")
    with page.expect_navigation():
        page.click("#login-form input[type=submit]")
    assert page.locator("h1").inner_text() == "This form could not be sent"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK
    assert "TMUXHUB_PUBLIC_URL" in page.locator("main").inner_text()  # advice for the owner
    assert "DEBUG" not in page.content()
    screenshot(page, "csrf-phone-dark")

    page.route(
        admin_hub.url + "/fault",
        lambda route: route.fulfill(status=500, body=render_to_string("500.html"), content_type="text/html"),
    )
    page.goto(admin_hub.url + "/fault")
    assert "If you run this hub" in page.locator("main").inner_text()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == DARK


def test_numbers_and_times_read_one_way(
    phone: Callable[..., Any], admin_hub: Hub, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    offender = Offender.objects.create(ip="192.0.2.44", hits=1234567, last_seen=timezone.now())
    pane = make_pane(SHELL, name="clock", ready="$")
    page = phone()
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/abuse/offender/?status__exact=all")
    assert page.locator(".field-hit_count").first.inner_text() == "1,234,567"
    last_seen = page.locator(".field-last_seen_ago span").first.get_attribute("title")
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC", last_seen or ""), last_seen
    page.goto(f"{admin_hub.url}/admin/abuse/offender/{offender.pk}/change/")
    refused = page.locator("#review-refused").inner_text()
    moment = r"\d{1,2} \w{3} \d{4}, \d\d:\d\d UTC"
    assert re.fullmatch(f"1,234,567 {TIMES} 429, {moment} {DASH} {moment}", refused), refused

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(pane.pane_id).replace('%', '%25')}")
    status = page.locator("#pane-status")
    assert re.fullmatch(r"live · \d\d:\d\d:\d\d UTC", status.inner_text())  # the page's own, from the hub
    pane.send_keys("echo tick")
    page.locator("#pane-text", has_text="tick").last.wait_for(timeout=POLLED_MS)
    assert re.fullmatch(r"live · \d\d:\d\d:\d\d UTC", status.inner_text())  # a poll's: still the hub's clock


GLYPH_DRAWN = """async ([element, glyph]) => {
  const font = getComputedStyle(element).font;
  await document.fonts.load(font, glyph);
  const draw = text => {
    const canvas = document.createElement("canvas");
    canvas.width = 40; canvas.height = 40;
    const context = canvas.getContext("2d");
    context.font = font; context.fillStyle = "#000"; context.textBaseline = "top";
    context.fillText(text, 4, 4);
    return Array.from(context.getImageData(0, 0, 40, 40).data).join();
  };
  return draw(glyph) !== draw("\\uE000");  // a private-use character: no font has it, a missing glyph
}"""


def test_claude_codes_marks_render_and_wrapping_is_per_pane(
    phone: Callable[..., Any], admin_hub: Hub, owner: Any, make_pane: Callable[..., libtmux.Pane]
) -> None:
    """Claude Code's marks (⎿ ⏺) drawn, not missing glyphs; 13 px text; each pane its own wrap setting."""
    marks = "printf '\u23fa Read file\\n  \u23bf  42 lines %0200d\\n' 7; sleep 600"
    shell = make_pane(f'{SHELL} -c "{marks}"', name="marks")
    boxed = make_pane(f"{SHELL} -c 'printf \"╭%0120d╮\\n\" 0; sleep 600'", name="boxed")
    page = phone("dark")
    log_in(page, admin_hub)

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(shell.pane_id).replace('%', '%25')}")
    terminal = page.locator("#pane-text")
    terminal.filter(has_text="42 lines").wait_for(timeout=POLLED_MS)
    assert terminal.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 13
    for glyph in ("⎿", "⏺"):
        assert page.evaluate(GLYPH_DRAWN, [terminal.element_handle(), glyph]), f"{glyph} is a missing glyph"
    page.click("#pane-wrap")
    assert terminal.evaluate("e => e.scrollWidth <= e.clientWidth")  # this shell's long line wraps
    screenshot(page, "live-pane-marks-phone")

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(boxed.pane_id).replace('%', '%25')}")
    page.locator("#pane-status", has_text="live").wait_for()
    assert page.get_attribute("#pane-wrap", "aria-pressed") == "false"  # the boxed screen is not wrapped
    assert terminal.evaluate("e => e.scrollWidth > e.clientWidth")

    page.goto(f"{admin_hub.url}/admin/panes/?target={str(shell.pane_id).replace('%', '%25')}")
    page.locator("#pane-status", has_text="live").wait_for()
    assert page.get_attribute("#pane-wrap", "aria-pressed") == "true"  # remembered for that pane
