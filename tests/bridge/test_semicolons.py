"""Text ending in ';': tmux's argv parser reads such an argument as the end of a command, so without
care the ';' is lost and the arguments after it run as a tmux command of their own."""

import pytest

from tests.fixtures.panes import SHELL, pane_text
from tests.support.hub import call, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_a_start_directory_ending_in_a_semicolon_is_used_as_is(hub, mcp_token, tmux, tmp_path):
    folder = tmp_path / "odd;"
    folder.mkdir()

    async with mcp_session(hub, mcp_token) as session:
        await call(session, "create_session", name="semi", start_directory=str(folder), command=SHELL)
        panes = await call(session, "list_panes", session="semi")

    assert panes["panes"][0]["current_path"] == str(folder)


async def test_a_trailing_semicolon_cannot_smuggle_in_a_tmux_command(hub, mcp_token, shell_pane, tmp_path):
    folder = tmp_path / "x;"
    folder.mkdir()

    async with mcp_session(hub, mcp_token) as session:
        # Before: tmux ran `new-session -c .../x` and then `kill-server` as a tmux command.
        await session.call_tool("create_session", {"start_directory": str(folder), "command": "kill-server"})
        listed = await call(session, "tmux_list_sessions")

    assert "work" in [s["name"] for s in listed["sessions"]]


@pytest.mark.parametrize(
    ("command", "output"),
    [("echo a;", "a"), ("echo 'x\\;'", "x\\;"), ("echo x\\;", "x;"), ("echo ';;' ;", ";;")],
)
async def test_run_command_keeps_what_ends_in_a_semicolon(hub, mcp_token, shell_pane, command, output):
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "run_command", pane=shell_pane.pane_id, command=command, timeout=5)

    assert out["completed"] and out["exit_status"] == 0 and out["output"] == output


@pytest.mark.parametrize("text", ["echo a;", ";", "x\\;", "b;;"])
async def test_send_prompt_types_text_ending_in_a_semicolon(hub, mcp_token, shell_pane, text):
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=shell_pane.pane_id, text=text, enter=False)

    wait_until(lambda: pane_text(shell_pane).endswith(f"$ {text}"))
