"""Fixtures for the bridge's tests: panes running known programs on the hub's tmux server, and a
short way to call a tool over MCP.

    async def test_it_reads(hub, mcp_token, shell_pane):
        async with mcp_session(hub, mcp_token) as session:
            out = await call(session, "capture_pane", pane=shell_pane)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import libtmux
import pytest

from tests.hub import Hub, start_hub, structured

TUI = Path(__file__).resolve().parent.parent / "tui" / "inputbox.py"
# A shell with a plain, predictable prompt and no user rc files.
SHELL = "env -i PATH=/usr/bin:/bin HOME=/tmp TERM=screen PS1='$ ' bash --norc --noprofile"


async def call(client: Any, tool: str, /, **arguments: Any) -> Any:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return structured(result)


async def call_error(session: Any, tool: str, arguments: dict[str, Any]) -> str:
    """Call a tool that must fail; its error message."""
    result = await session.call_tool(tool, arguments)
    assert result.is_error, structured(result)
    return result.content[0].text


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not true within {timeout}s: {predicate}")


def pane_text(pane: libtmux.Pane) -> str:
    return "\n".join(pane.capture_pane())


@pytest.fixture
def make_pane(tmux: libtmux.Server) -> Callable[..., libtmux.Pane]:
    """Start a program in a pane of its own session on the hub's tmux server; returns the pane."""
    counter = iter(range(1000))

    def make(command: str, name: str | None = None, ready: str | None = None) -> libtmux.Pane:
        session = tmux.new_session(
            session_name=name or f"s{next(counter)}", window_command=command, x=120, y=30
        )
        pane = session.active_window.active_pane
        assert pane is not None
        if ready is not None:
            wait_until(lambda: ready in pane_text(pane))
        return pane

    return make


@pytest.fixture
def shell_pane(make_pane) -> libtmux.Pane:
    """A pane at a bash prompt `$ `."""
    return make_pane(SHELL, name="work", ready="$")


@pytest.fixture
def tui_log(tmp_path: Path) -> Path:
    return tmp_path / "submitted.jsonl"


@pytest.fixture
def tui_pane(make_pane, tui_log: Path) -> Callable[..., libtmux.Pane]:
    """A pane running the test input-box TUI; what it receives on Enter lands in `tui_log`."""

    def make(swallow: int = 0) -> libtmux.Pane:
        return make_pane(f"{sys.executable} {TUI} --log {tui_log} --swallow {swallow}", ready="-----")

    return make


@pytest.fixture(scope="session")
def destructive_hub(django_db_setup: None, tmux_socket: str) -> Iterator[Hub]:
    """A hub whose server tier allows kill tools (the shared `hub` stops at mutating)."""
    with start_hub(tmux_socket=tmux_socket, extra_env={"TMUXHUB_SAFETY_TIER": "destructive"}) as running:
        yield running


@pytest.fixture
def destructive_token(make_user, make_token, destructive_hub: Hub) -> str:
    return make_token(make_user("root-user"), resource=destructive_hub.mcp_url)
