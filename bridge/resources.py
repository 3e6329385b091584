"""`tmux://` resources (read-only views of the server), the terminal view (`bridge.app_view`) and the
hub's prompts."""

from __future__ import annotations

import json
from collections.abc import Awaitable
from typing import Annotated, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, GetPromptResult
from pydantic import Field

from . import app_view, tmux
from .exceptions import BridgeError
from .schemas import SESSION_RE

PANE_LINES = 200


class PromptChecks(MCPServer):
    """prompts/get answers an unknown prompt or a missing argument with -32602 (invalid params), as
    the MCP spec asks; the SDK (2.3) answers both with error code 0."""

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> GetPromptResult | Any:
        prompt = next((p for p in await self.list_prompts() if p.name == name), None)
        if prompt is None:
            known = ", ".join(p.name for p in await self.list_prompts())
            raise MCPError(INVALID_PARAMS, f"there is no prompt {name!r}; the prompts are: {known}")
        missing = [a.name for a in prompt.arguments or [] if a.required and a.name not in (arguments or {})]
        if missing:
            raise MCPError(INVALID_PARAMS, f"prompt {name!r} needs the argument(s) {', '.join(missing)}")
        return await super().get_prompt(name, arguments, context)


async def _read(result: Awaitable[str]) -> str:
    """A resource's content; a pane or session that does not exist is "not found" (-32602, SEP-2164),
    any other tmux failure a resource error."""
    try:
        return await result
    except ResourceError:
        raise
    except BridgeError as exc:
        if "can't find" in str(exc) or "no such" in str(exc):
            raise ResourceNotFoundError(str(exc)) from None
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
        raise ResourceNotFoundError(
            f"{name[:40]!r} is not a session name or id; read tmux://sessions for the list"
        )
    windows = await tmux.list_windows(name)
    panes = await tmux.list_panes(session=name)
    return json.dumps(
        {"windows": [w.model_dump() for w in windows], "panes": [p.model_dump() for p in panes]}
    )


async def _pane(number: str) -> str:
    if not (number.isascii() and number.isdigit()) or len(number) > 6:
        raise ResourceNotFoundError("use the pane's number: tmux://panes/3 reads pane %3")
    return "\n".join(await tmux.capture(f"%{number}", PANE_LINES))


PaneArgument = Annotated[str, Field(description="Pane id ('%3') or 'session:window.pane' ('work:0.1').")]


def register(server: MCPServer) -> None:
    app_view.register(server)

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
        description="The windows and panes of one session, by name or id ($1).",
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

    @server.prompt(
        name="run_and_wait",
        title="Run a command and wait for it",
        description="Run a shell command (or a prompt for a program) in a pane and report how it went.",
    )
    def run_and_wait(
        pane: PaneArgument,
        command: Annotated[str, Field(description="The command line, or the text for the program.")],
    ) -> str:
        return (
            f"In tmux pane {pane}, run `{command}` and report how it went.\n"
            f"If the pane shows a shell prompt, call run_command(pane={pane!r}, command=...) and report its "
            "exit_status and the relevant output. If it shows a program such as Claude Code, call "
            "tmux_send_prompt with the text, check `verified`, then wait_for_idle and capture_since to "
            "read the answer. Quote errors exactly."
        )

    @server.prompt(
        name="interrupt_gracefully",
        title="Interrupt a pane's program gently",
        description="Stop what runs in a pane as gently as works: Escape or C-c, never killing the pane.",
    )
    def interrupt_gracefully(pane: PaneArgument) -> str:
        return (
            f"Stop what is running in tmux pane {pane}, as gently as works:\n"
            f"1. capture_pane({pane!r}) to see what runs. For Claude Code, send_keys Escape first.\n"
            "2. Otherwise send_keys C-c once, then wait_for_idle with quiet=2 and look again.\n"
            "3. Only if it still runs: C-c once more; never kill the pane unless asked.\n"
            "Report what you sent and what the pane shows now."
        )
