import json

import pytest

from tests.fixtures.panes import pane_text
from tests.support.hub import call, call_error, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def submitted(log) -> list[str]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


async def test_it_submits_to_a_tui_input_box_and_verifies(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="explain this repo")

    assert out["verified"] and out["submitted"] and out["attempts"] == 1
    assert submitted(tui_log) == ["explain this repo"]
    assert "history: explain this repo" in pane_text(pane)


async def test_text_starting_with_a_dash_arrives_literally(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        out = await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="-n --help; $HOME `x` #{pane_id}"
        )

    assert out["verified"]
    assert submitted(tui_log) == ["-n --help; $HOME `x` #{pane_id}"]


async def test_multi_line_text_is_one_prompt(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="line one\nline two")

    assert out["verified"]
    assert submitted(tui_log) == ["line one\nline two"]


async def test_it_verifies_a_paste_the_tui_shows_collapsed(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane(collapse=2)
    text = "first\nsecond\nthird\nfourth"

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text=text)

    assert out["verified"]
    assert submitted(tui_log) == [text]


async def test_it_presses_enter_again_when_the_first_is_swallowed(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane(swallow=1)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="retry me")

    assert out["verified"] and out["attempts"] == 2
    assert submitted(tui_log) == ["retry me"]


async def test_it_says_when_it_could_not_verify(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane(swallow=2)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="stuck")

    assert out["submitted"] and not out["verified"] and out["attempts"] == 2
    assert submitted(tui_log) == []


async def test_it_works_at_a_shell_prompt_too(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=shell_pane.pane_id, text="echo $((6*7))")

    assert out["verified"]
    wait_until(lambda: "\n42\n" in pane_text(shell_pane))


async def test_without_enter_it_only_types(hub, mcp_token, tui_pane, tui_log):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="draft", enter=False)

    assert not out["submitted"]
    wait_until(lambda: "> draft" in pane_text(pane))
    assert submitted(tui_log) == []


async def test_it_refuses_control_characters(hub, mcp_token, tui_pane):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "a\x1b[201~b"})

    assert "send_keys" in error


async def test_it_refuses_a_pane_whose_program_exited_and_tmux_survives(hub, mcp_token, make_pane, tmux):
    # tmux 3.3a crashes its whole server when text is pasted into a pane kept by remain-on-exit.
    pane = make_pane("sleep 0.3")
    pane.window.set_option("remain-on-exit", "on")
    wait_until(lambda: pane.cmd("display", "-p", "#{pane_dead}").stdout == ["1"])

    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "hello"})
        listed = await call(session, "tmux_list_sessions")

    assert "program has exited" in error
    assert [s["name"] for s in listed["sessions"]] == [pane.session.session_name]
    assert tmux.cmd("list-buffers").stdout == []  # the text's buffer did not stay behind
