"""Tools that act on tmux sessions (and the server's environment)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from bridge import tmux
from bridge.redaction import looks_secret
from bridge.registry import hub_tool
from bridge.schemas import (
    Changed,
    EnvironmentResult,
    EnvironmentVariable,
    Name,
    SessionInfo,
    SessionList,
    SessionTarget,
    ShellCommand,
    StartDirectory,
)


@hub_tool("readonly", title="List tmux sessions", idempotent=True)
async def tmux_list_sessions() -> SessionList:
    """List the tmux sessions: id, name, window count, attached or not, activity time."""
    return SessionList(sessions=await tmux.list_sessions())


@hub_tool("mutating", title="Create a tmux session")
async def create_session(
    name: Name | None = None,
    command: ShellCommand | None = None,
    start_directory: StartDirectory | None = None,
    width: Annotated[int, Field(ge=20, le=1000)] = 200,
    height: Annotated[int, Field(ge=5, le=500)] = 50,
) -> SessionInfo:
    """Create a detached session (running your shell, or `command`) and return it."""
    return await tmux.new_session(name, command, start_directory, width, height)


@hub_tool("mutating", title="Rename a tmux session", idempotent=True)
async def rename_session(session: SessionTarget, new_name: Name) -> Changed:
    """Give a session a new name."""
    await tmux.rename_session(session, new_name)
    return Changed(detail=f"session {session} is now {new_name}")


@hub_tool("destructive", title="Kill a tmux session")
async def kill_session(session: SessionTarget) -> Changed:
    """Kill a session and every program in it. Refuses the session the hub runs in."""
    await tmux.refuse_own_pane("session", session)
    await tmux.kill_session(session)
    return Changed(detail=f"session {session} killed")


@hub_tool("readonly", title="Show tmux environment", idempotent=True)
async def show_environment(session: SessionTarget | None = None) -> EnvironmentResult:
    """The environment tmux gives new panes (global, or a session's own); secret-looking values redacted."""
    variables = []
    for name, value in await tmux.environment(session):
        secret = value is not None and looks_secret(name, value)
        variables.append(
            EnvironmentVariable(name=name, value="[redacted]" if secret else value, redacted=secret)
        )
    return EnvironmentResult(scope=session or "global", variables=variables)


@hub_tool("mutating", title="Set tmux environment", idempotent=True)
async def set_environment(
    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")],
    value: Annotated[
        str | None, Field(max_length=4096, pattern=r"^[^\x00]*$", description="Default: unset it.")
    ] = None,
    session: SessionTarget | None = None,
) -> Changed:
    """Set (or unset) a variable in the environment tmux gives new panes: global, or a session's own."""
    await tmux.set_environment(session, name, value)
    return Changed(detail=f"{name} {'set' if value is not None else 'unset'} for {session or 'all sessions'}")
