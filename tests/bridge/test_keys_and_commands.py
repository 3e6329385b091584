import pytest

from tests.fixtures.panes import pane_text
from tests.support.hub import call, call_error, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_send_keys_presses_named_keys_without_enter(hub, mcp_token, shell_pane):
    shell_pane.send_keys("sleep 600", enter=True)
    wait_until(lambda: shell_pane.cmd("display", "-p", "#{pane_current_command}").stdout == ["sleep"])

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "send_keys", pane=shell_pane.pane_id, keys=["C-c"])
        wait_until(lambda: shell_pane.cmd("display", "-p", "#{pane_current_command}").stdout == ["bash"])
        await call(session, "send_keys", pane=shell_pane.pane_id, keys=["e", "c", "h", "o", "Space", "x"])

    assert out["keys"] == ["C-c"]
    wait_until(lambda: pane_text(shell_pane).endswith("$ echo x"))


async def test_send_keys_rejects_what_is_not_a_key_name(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "send_keys", {"pane": shell_pane.pane_id, "keys": ["rm -rf /"]})

    assert "is not a key name" in error and "tmux_send_prompt" in error


async def test_run_command_returns_output_and_exit_status(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        ok = await call(session, "run_command", pane=shell_pane.pane_id, command="printf 'a\\nb\\n'")
        failed = await call(session, "run_command", pane=shell_pane.pane_id, command="ls /nonexistent")
        dashed = await call(session, "run_command", pane=shell_pane.pane_id, command="-x 2>/dev/null")

    assert ok["completed"] and ok["exit_status"] == 0 and ok["output"] == "a\nb"
    assert failed["exit_status"] == 2 and "No such file" in failed["output"]
    assert dashed["completed"] and dashed["exit_status"] == 127


async def test_run_command_times_out_with_what_it_saw(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        out = await call(
            session, "run_command", pane=shell_pane.pane_id, command="echo started; sleep 30", timeout=1
        )

    assert out["timed_out"] and not out["completed"] and out["exit_status"] is None
    assert "started" in out["output"]


async def test_run_command_refuses_a_full_screen_program(hub, mcp_token, tui_pane):
    pane = tui_pane()

    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "run_command", {"pane": pane.pane_id, "command": "ls"})

    assert "full-screen" in error
