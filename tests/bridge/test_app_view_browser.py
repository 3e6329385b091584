"""The terminal view (issue 27) in a real MCP Apps host: ext-apps' AppBridge in headless Chromium at
phone width (390 px), the view read from the hub's own resources/read by the official TypeScript MCP
client (`tests.support.app_host`), a real tmux pane, and the real Claude Code TUI for its dialogs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fakes.anthropic import Bash
from tests.fixtures.browser import new_page, screenshot
from tests.support import app_host
from tests.support.waits import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DARK_PHONE = {
    "theme": "dark",
    "platform": "mobile",
    "displayMode": "inline",
    "safeAreaInsets": {"top": 0, "right": 0, "bottom": 34, "left": 0},
    "containerDimensions": {"width": 390, "maxHeight": 2000},
}


@pytest.fixture(scope="session")
def host_bundle() -> None:
    try:
        app_host.ensure_bundle()
    except FileNotFoundError as exc:
        pytest.skip(f"the MCP Apps host cannot be installed: {exc}")


@pytest.fixture
def gateway(hub, mcp_token, host_bundle) -> Iterator[app_host.Gateway]:
    with app_host.serve(hub.mcp_url, mcp_token) as running:
        yield running


def open_view(browser, gateway, tool: str, arguments: dict, context: dict = DARK_PHONE):
    """The host page at phone size, with the view of `tool`'s result open; the page, the view's
    frame, and every URL the page and the view asked for."""
    page = new_page(browser, color_scheme=context["theme"], **PHONE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(gateway.url)
    page.wait_for_function("window.hostReady === true")
    page.evaluate("([name, args, context]) => openView(name, args, context)", [tool, arguments, context])
    page.wait_for_function("window.viewReady === true")
    frame = page.frames[1]
    frame.wait_for_selector("#screen:not(:empty)")
    return page, frame, requested


def screen_text(frame) -> str:
    return frame.locator("#screen").inner_text()


@pytest.mark.timing
def test_the_view_shows_a_pane_live_in_colour_at_phone_width(browser, gateway, shell_pane):
    shell_pane.send_keys("printf '\\033[32mgreen\\033[0m <b>not bold</b> %s\\n' $((6*7))", enter=True)
    wait_until(lambda: "42" in "\n".join(shell_pane.capture_pane()))
    page, frame, requested = open_view(browser, gateway, "capture_pane", {"pane": shell_pane.pane_id})

    assert "green <b>not bold</b> 42" in screen_text(frame)
    assert frame.locator("#screen .a-f2").first.inner_text() == "green"  # the hub's colour classes
    assert frame.locator("#screen b").count() == 0  # the pane's text never became markup
    assert frame.locator("#state").inner_text() == "Terminal"
    assert frame.locator("#pane").inner_text() == shell_pane.pane_id

    # Phone first: the host's dark theme and safe-area insets, no sideways page scroll, 44 px targets.
    layout = frame.evaluate(
        """() => ({
            theme: document.documentElement.dataset.theme,
            sideways: document.documentElement.scrollWidth - window.innerWidth,
            bottom: getComputedStyle(document.body).paddingBottom,
            selectable: getComputedStyle(document.getElementById('screen')).userSelect,
            buttons: [...document.querySelectorAll('button')].filter((b) => b.offsetParent)
                .map((b) => Math.min(b.getBoundingClientRect().height, b.getBoundingClientRect().width)),
        })"""
    )
    assert layout["theme"] == "dark" and layout["sideways"] <= 0 and layout["bottom"] == "42px"
    assert layout["selectable"] != "none" and min(layout["buttons"]) >= 44
    # The person switches the host to light: the view follows (the terminal itself stays dark).
    page.evaluate("(context) => window.view.bridge.setHostContext({...context, theme: 'light'})", DARK_PHONE)
    frame.wait_for_function("() => document.documentElement.dataset.theme === 'light'")
    assert frame.evaluate("() => getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.evaluate("(context) => window.view.bridge.setHostContext(context)", DARK_PHONE)

    # A wide line scrolls inside the terminal, not the page.
    shell_pane.send_keys("printf 'W%.0s' $(seq 300); echo", enter=True)
    frame.wait_for_function("() => document.getElementById('screen').scrollWidth > 390")
    assert frame.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0

    # Live: new output shows within two seconds, with no model turn.
    started = time.monotonic()
    shell_pane.send_keys("echo LIVE-$((40+2))", enter=True)
    frame.wait_for_function(
        "() => document.getElementById('screen').textContent.includes('LIVE-42')", timeout=5000
    )
    reacted = time.monotonic() - started
    print(f"\nthe view showed new output after {reacted:.2f} s")
    assert reacted < 2.0

    # A busy pane costs at most one look a second (each is a call, an audit row, rate-limit budget).
    shell_pane.send_keys("for i in $(seq 40); do echo tick $i; sleep 0.1; done", enter=True)
    frame.wait_for_function("() => document.getElementById('screen').textContent.includes('tick 5')")
    looks = gateway.calls["pane_view"]
    time.sleep(3)
    assert gateway.calls["pane_view"] - looks <= 4
    frame.wait_for_function("() => document.getElementById('screen').textContent.includes('tick 40')")

    # Hidden (the host collapses it), it stops looking; shown again, it catches up.
    page.evaluate("window.view.iframe.style.display = 'none'")
    # (polled by time: a hidden frame draws no animation frames, Playwright's default polling)
    frame.wait_for_function("() => document.documentElement.dataset.live === 'off'", polling=100)
    looks = gateway.calls["pane_view"]
    shell_pane.send_keys("echo WHILE-HIDDEN", enter=True)
    time.sleep(3)
    assert gateway.calls["pane_view"] == looks
    page.evaluate("window.view.iframe.style.display = 'block'")
    frame.wait_for_function("() => document.getElementById('screen').textContent.includes('WHILE-HIDDEN')")

    # The pane closes: said in plain words, and the view stops looking.
    shell_pane.window.session.kill()
    frame.wait_for_function("() => document.getElementById('state').dataset.state === 'closed'")
    assert f"Pane {shell_pane.pane_id} is closed" in screen_text(frame)

    # It loaded nothing but the host page, the host's script and the host's own /mcp.
    assert {url for url in requested if not url.startswith(gateway.url)} <= {"about:srcdoc"}


@pytest.fixture
def readonly_gateway(hub, make_user, make_token, host_bundle) -> Iterator[app_host.Gateway]:
    with app_host.serve(hub.mcp_url, make_token(make_user("watcher", tier="readonly"))) as running:
        yield running


def test_a_tap_answers_claude_codes_permission_dialog(
    browser, gateway, readonly_gateway, claude_pane, anthropic, tmp_path
):
    from bridge.models import ToolCall

    pane = claude_pane()
    anthropic.script(Bash("touch tapped.txt"))
    page, frame, _ = open_view(browser, gateway, "agent_state", {"pane": pane.pane_id})
    frame.wait_for_function("() => document.getElementById('state').dataset.state === 'idle'")

    # The prompt box sends through tmux_send_prompt, with all its rules (verified as a turn).
    frame.locator("#text").fill("touch a file")
    frame.locator("#send").click()
    wait_until(lambda: "touch a file" in anthropic.prompts, timeout=20)

    # The dialog: the state says so at a glance, its options are buttons.
    frame.wait_for_function(
        "() => document.getElementById('state').dataset.state === 'dialog'", timeout=20_000
    )
    assert frame.locator("#state").inner_text() == "Needs you"
    assert frame.locator("#question").inner_text() == "Do you want to proceed?"
    options = frame.locator("#options button")
    assert options.first.inner_text() == "1. Yes" and options.last.inner_text().endswith("No")
    assert frame.locator("#prompt").is_hidden()
    screenshot(page, "terminal-view-dialog-dark")

    # A readonly person's view of the same dialog: the choices, and no button the hub would refuse.
    watcher, watched, _ = open_view(browser, readonly_gateway, "agent_state", {"pane": pane.pane_id})
    watched.wait_for_function("() => document.getElementById('state').dataset.state === 'dialog'")
    assert "Yes" in watched.locator("#options").inner_text()
    assert watched.locator("button:visible").all_inner_texts() == ["Wrap"]
    watcher.close()

    options.first.click()  # Yes
    wait_until(lambda: (tmp_path / "work0" / "tapped.txt").exists(), timeout=20)
    frame.wait_for_function(
        "() => document.getElementById('state').dataset.state !== 'dialog'", timeout=20_000
    )
    wait_until(lambda: anthropic.tool_results, timeout=20)  # Claude Code sent the command's result on

    # The view's calls went through the person's token: audited under their name.
    wait_until(lambda: ToolCall.objects.filter(tool="answer_dialog", outcome="ok").exists(), timeout=10)
    audited = set(
        ToolCall.objects.filter(tool__in=["answer_dialog", "tmux_send_prompt"]).values_list(
            "username", "tool"
        )
    )
    assert audited == {("octocat", "answer_dialog"), ("octocat", "tmux_send_prompt")}
