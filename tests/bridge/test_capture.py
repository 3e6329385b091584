import pytest

from tests.fixtures.panes import pane_text
from tests.support.hub import call, call_error, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def print_lines(pane, count: int) -> None:
    pane.send_keys(f"for i in $(seq 1 {count}); do echo line$i; done", enter=True)
    wait_until(lambda: f"line{count}\n$" in pane_text(pane))


# Exactly the last N lines, history beyond the screen, targets by name: tests/bridge/test_tmux_service.py.


async def test_it_strips_colours_unless_asked(hub, mcp_token, shell_pane):
    shell_pane.send_keys(r"printf '\033[31mred\033[0m\n'", enter=True)
    wait_until(lambda: "red\n$" in pane_text(shell_pane))

    async with mcp_session(hub, mcp_token) as session:
        plain = await call(session, "capture_pane", pane=shell_pane.pane_id, lines=2)
        coloured = await call(session, "capture_pane", pane=shell_pane.pane_id, lines=2, ansi=True)

    assert plain["text"].splitlines()[0] == "red"
    assert "\x1b[31m" in coloured["text"].splitlines()[0]


async def test_get_summary_is_a_short_plain_capture(hub, mcp_token, shell_pane):
    print_lines(shell_pane, 3)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_get_summary", pane=shell_pane.pane_id, lines=2)

    assert out["text"].splitlines() == ["line3", "$"]


async def test_it_caps_lines_and_explains_bad_targets(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        too_many = await call_error(session, "capture_pane", {"pane": shell_pane.pane_id, "lines": 5000})
        bad_target = await call_error(session, "capture_pane", {"pane": "#(reboot)"})
        missing = await call_error(session, "capture_pane", {"pane": "%999"})

    assert "lines" in too_many and "2000" in too_many
    assert "give its id like '%3'" in bad_target
    assert "list_panes" in missing
