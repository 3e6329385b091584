"""Tools that act on tmux windows."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.schemas import (
    Changed,
    Name,
    SessionTarget,
    ShellCommand,
    StartDirectory,
    WindowInfo,
    WindowList,
    WindowTarget,
)


@hub_tool("readonly", title="List tmux windows", idempotent=True)
async def list_windows(session: SessionTarget | None = None) -> WindowList:
    """List windows (of one session, or all): id, index, name, pane count, layout."""
    return WindowList(windows=await tmux.list_windows(session))


@hub_tool("mutating", title="Create a tmux window")
async def create_window(
    session: SessionTarget,
    name: Name | None = None,
    command: ShellCommand | None = None,
    start_directory: StartDirectory | None = None,
) -> WindowInfo:
    """Add a window to a session (running your shell, or `command`) without switching to it."""
    return await tmux.new_window(session, name, command, start_directory)


@hub_tool("mutating", title="Rename a tmux window", idempotent=True)
async def rename_window(window: WindowTarget, new_name: Name) -> Changed:
    """Give a window a new name (tmux stops renaming it automatically)."""
    await tmux.rename_window(window, new_name)
    return Changed(detail=f"window {window} is now {new_name}")


@hub_tool("destructive", title="Kill a tmux window")
async def kill_window(window: WindowTarget) -> Changed:
    """Kill a window and every program in it. Refuses the window the hub runs in."""
    await tmux.refuse_own_pane("window", window)
    await tmux.kill_window(window)
    return Changed(detail=f"window {window} killed")


Layout = Literal["even-horizontal", "even-vertical", "main-horizontal", "main-vertical", "tiled"]


@hub_tool("mutating", title="Arrange a window's panes", idempotent=True)
async def select_layout(window: WindowTarget, layout: Layout) -> Changed:
    """Arrange the panes of a window in one of tmux's preset layouts."""
    await tmux.select_layout(window, layout)
    return Changed(detail=f"window {window} uses layout {layout}")


@hub_tool("mutating", title="Move a window to a session")
async def move_window(
    window: WindowTarget,
    session: SessionTarget,
    index: Annotated[int | None, Field(ge=0, le=9999, description="Default: the first free index.")] = None,
) -> Changed:
    """Move a window (with its panes and programs) to another session, or another index in its own."""
    await tmux.move_window(window, session, index)
    return Changed(detail=f"window {window} moved to {session}")


@hub_tool("mutating", title="Resize a window", idempotent=True)
async def resize_window(
    window: WindowTarget,
    width: Annotated[int | None, Field(ge=10, le=1000)] = None,
    height: Annotated[int | None, Field(ge=5, le=500)] = None,
) -> Changed:
    """Set a window's size in cells (e.g. to fit a phone's screen); it then stays that size."""
    if width is None and height is None:
        raise BridgeError("give width and/or height: nothing to change")
    await tmux.resize_window(window, width, height)
    return Changed(detail=f"window {window} resized")
