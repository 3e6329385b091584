"""The tmux server dies, or the pane closes, while a tool waits on it: the call ends at once with an
error that says what happened, and the hub keeps nothing behind (no tmux process, no stuck call)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
import psutil
import pytest

from tests.support.hub import call, mcp_session
from tests.support.tmux import tmux as tmux_at
from tests.support.tmux import wait_for_output_watcher
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

CALLS = {
    "wait_for_text": lambda pane: {"pane": pane, "pattern": "never printed", "timeout": 60},
    "wait_for_idle": lambda pane: {"pane": pane, "quiet": 100, "timeout": 60},
    "run_command": lambda pane: {"pane": pane, "command": "sleep 60", "timeout": 60},
}


def kill_server(tmux, pane) -> None:
    tmux.kill()


def close_pane(tmux, pane) -> None:
    pane.kill()


FAULTS: dict[str, tuple[Callable[..., None], str]] = {
    "server killed": (kill_server, "no tmux server is running"),
    "pane closed": (close_pane, "can't find pane"),
}


def tmux_children(hub) -> list[psutil.Process]:
    return [p for p in psutil.Process(hub.process.pid).children(recursive=True) if p.name() == "tmux"]


def call_under_way(tool: str, socket: str, pane: Any) -> None:
    """Until the call waits on the pane: a wait follows its output; run_command's command runs in it."""
    if tool == "run_command":
        shown = ["display-message", "-p", "-t", pane.pane_id, "#{pane_current_command}"]
        wait_until(lambda: tmux_at(socket, *shown).stdout.strip() == "sleep", timeout=30)
    else:
        wait_for_output_watcher(socket, pane.session.session_name)


@pytest.mark.timing
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("tool", CALLS)
async def test_a_waiting_call_ends_with_a_clear_error(
    hub, mcp_token, tmux, tmux_socket, shell_pane, tool, fault
) -> None:
    cause, says = FAULTS[fault]
    tmux.new_session(session_name="bystander")  # closing the pane must not end the server too
    threads_before = psutil.Process(hub.process.pid).num_threads()
    outcome: dict[str, Any] = {}

    async def waiting_call() -> None:
        async with mcp_session(hub, mcp_token) as session:
            result = await session.call_tool(tool, CALLS[tool](shell_pane.pane_id))
            outcome["result"] = result
            outcome["ended"] = time.monotonic()

    async with anyio.create_task_group() as group:
        group.start_soon(waiting_call)
        await anyio.to_thread.run_sync(call_under_way, tool, tmux_socket, shell_pane)
        killed = time.monotonic()
        cause(tmux, shell_pane)
        with anyio.fail_after(10):
            while "ended" not in outcome:
                await anyio.sleep(0.05)

    result = outcome["result"]
    assert result.is_error, result.content
    message = result.content[0].text
    assert says in message, message
    assert "Traceback" not in message
    assert outcome["ended"] - killed < 3, "the call noticed the fault late"
    # Nothing left running in the hub for that call; it keeps answering.
    assert tmux_children(hub) == []
    assert psutil.Process(hub.process.pid).num_threads() <= threads_before + 2
    async with mcp_session(hub, mcp_token) as session:
        listed = await call(session, "tmux_list_sessions")
    assert [s["name"] for s in listed["sessions"]] == ([] if fault == "server killed" else ["bystander"])
