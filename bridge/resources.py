"""`tmux://` resources (read-only views of the server) and the hub's prompts."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from mcp.server.mcpserver.exceptions import ResourceError

from . import tmux
from .exceptions import BridgeError
from .schemas import SESSION_RE

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

PANE_LINES = 200


async def _read(result: Awaitable[str]) -> str:
    try:
        return await result
    except BridgeError as exc:
        raise ResourceError(str(exc)) from None


async def _tree() -> str:
    sessions = await tmux.list_sessions()
    windows = await tmux.list_windows()
    panes = await tmux.list_panes()
    return json.dumps(
        {
            "sessions": [
                {
                    **session.model_dump(),
                    "windows": [
                        {**w.model_dump(), "panes": [p.model_dump() for p in panes if p.window_id == w.id]}
                        for w in windows
                        if w.session_id == session.id
                    ],
                }
                for session in sessions
            ]
        }
    )


async def _session(name: str) -> str:
    if not SESSION_RE.fullmatch(name):
        raise BridgeError(f"{name[:40]!r} is not a session name or id; read tmux://sessions for the list")
    windows = await tmux.list_windows(name)
    panes = await tmux.list_panes(session=name)
    return json.dumps(
        {"windows": [w.model_dump() for w in windows], "panes": [p.model_dump() for p in panes]}
    )


async def _pane(number: str) -> str:
    if not (number.isascii() and number.isdigit()) or len(number) > 6:
        raise BridgeError("use the pane's number: tmux://panes/3 reads pane %3")
    return "\n".join(await tmux.capture(f"%{number}", PANE_LINES))


def register(server: MCPServer) -> None:
    @server.resource(
        "tmux://sessions",
        name="sessions",
        title="Sessions, windows and panes",
        mime_type="application/json",
        description="Every session with its windows and their panes.",
    )
    async def sessions() -> str:
        return await _read(_tree())

    @server.resource(
        "tmux://sessions/{name}",
        name="session",
        title="A session's windows and panes",
        mime_type="application/json",
    )
    async def session(name: str) -> str:
        return await _read(_session(name))

    @server.resource(
        "tmux://panes/{number}",
        name="pane",
        title="What a pane shows",
        mime_type="text/plain",
        description=f"The last {PANE_LINES} lines of pane %<number>, plain text.",
    )
    async def pane(number: str) -> str:
        return await _read(_pane(number))

    @server.prompt(name="run_and_wait", title="Run a command and wait for it")
    def run_and_wait(pane: str, command: str) -> str:
        return (
            f"In tmux pane {pane}, run `{command}` and report how it went.\n"
            f"If the pane shows a shell prompt, call run_command(pane={pane!r}, command=...) and report its "
            "exit_status and the relevant output. If it shows a program such as Claude Code, call "
            "tmux_send_prompt with the text, check `verified`, then wait_for_idle and capture_since to "
            "read the answer. Quote errors exactly."
        )

    @server.prompt(name="interrupt_gracefully", title="Interrupt a pane's program gently")
    def interrupt_gracefully(pane: str) -> str:
        return (
            f"Stop what is running in tmux pane {pane}, as gently as works:\n"
            f"1. capture_pane({pane!r}) to see what runs. For Claude Code, send_keys Escape first.\n"
            "2. Otherwise send_keys C-c once, then wait_for_idle with quiet=2 and look again.\n"
            "3. Only if it still runs: C-c once more; never kill the pane unless asked.\n"
            "Report what you sent and what the pane shows now."
        )
