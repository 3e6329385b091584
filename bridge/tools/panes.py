"""Tools that act on tmux panes: list, read, search, snapshot, split, resize, select, swap, title,
copy mode, restart, kill."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from django.conf import settings
from mcp.types import CallToolResult
from pydantic import Field

from bridge import app_view, marks, tmux
from bridge.context import current_caller
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import (
    Capture,
    CaptureSince,
    Changed,
    Lines,
    PaneInfo,
    PaneList,
    PaneSnapshot,
    PaneTarget,
    SearchMatch,
    SearchResult,
    SessionTarget,
    ShellCommand,
    StartDirectory,
    WindowTarget,
)
from bridge.screen import LineMatcher, cap_bytes, fingerprints, new_lines


@hub_tool("readonly", title="List tmux panes", idempotent=True)
async def list_panes(
    session: SessionTarget | None = None,
    window: WindowTarget | None = None,
    command: Annotated[
        str | None, Field(max_length=64, description="Only panes running this program.")
    ] = None,
    active_only: bool = False,
    full_screen: Annotated[
        bool | None, Field(description="Only full-screen (true) or plain (false) panes.")
    ] = None,
) -> PaneList:
    """List panes (all, or of a session or window), optionally filtered. Each has an id usable as target."""
    panes = await tmux.list_panes(session=session, window=window)
    if command is not None:
        panes = [p for p in panes if p.current_command == command]
    if active_only:
        panes = [p for p in panes if p.active]
    if full_screen is not None:
        panes = [p for p in panes if p.full_screen == full_screen]
    return PaneList(panes=panes)


def _capture_result(pane: str, lines: list[str]) -> CallToolResult:
    kept, truncated = cap_bytes(lines)
    return terminal_result(Capture(pane=pane, text="\n".join(kept), truncated=truncated), "text")


@hub_tool("readonly", title="Read a pane", idempotent=True, meta=app_view.SHOWS_PANE)
async def capture_pane(
    pane: PaneTarget, lines: Lines = 100, ansi: bool = False
) -> Annotated[CallToolResult, Capture]:
    """The pane's last `lines` lines exactly (history included), colours stripped unless `ansi`."""
    return _capture_result(pane, await tmux.capture(pane, lines, ansi=ansi))


@hub_tool("readonly", title="Summarize a pane (last lines)", idempotent=True)
async def tmux_get_summary(pane: PaneTarget, lines: Lines = 50) -> Annotated[CallToolResult, Capture]:
    """The pane's last `lines` lines, plain text: a quick look at what a program is doing."""
    return _capture_result(pane, await tmux.capture(pane, lines))


@hub_tool("readonly", title="Read a pane's new output")
async def capture_since(pane: PaneTarget, max_lines: Lines = 200) -> Annotated[CallToolResult, CaptureSince]:
    """Only the lines that are new since *your* last capture_since of this pane (saves tokens).

    The first call returns the pane's last `max_lines` lines and sets your read mark.
    """
    user_id = current_caller().user_id
    pane_id, window = await asyncio.gather(
        tmux.pane_id(pane), tmux.capture(pane, settings.TMUXHUB_CAPTURE_MAX_LINES)
    )
    before = await marks.load(user_id, pane_id)
    await marks.save(user_id, pane_id, fingerprints(window))
    if before is None:
        fresh, missed = window, False
    else:
        fresh, missed = new_lines(before, window)
    kept, truncated = cap_bytes(fresh[-max_lines:])
    since = CaptureSince(
        pane=pane_id,
        text="\n".join(kept),
        truncated=truncated or len(fresh) > max_lines,
        first_read=before is None,
        missed=missed,
    )
    return terminal_result(since, "text")


MAX_SEARCHED_PANES = 100


@hub_tool("readonly", title="Search pane contents", idempotent=True)
async def search_panes(
    pattern: Annotated[str, Field(min_length=1, max_length=200)],
    regex: bool = False,
    ignore_case: bool = False,
    session: SessionTarget | None = None,
    lines: Lines = 200,
    max_matches: Annotated[int, Field(ge=1, le=500)] = 50,
) -> SearchResult:
    """Find text in what panes show (their last `lines` lines): literal by default, or a regex."""
    matcher = LineMatcher(pattern, is_regex=regex, ignore_case=ignore_case)
    panes = (await tmux.list_panes(session=session))[:MAX_SEARCHED_PANES]
    captures = await asyncio.gather(*(tmux.capture(p.id, lines) for p in panes), return_exceptions=True)
    found: list[SearchMatch] = []
    for info, captured in zip(panes, captures, strict=True):
        if isinstance(captured, BaseException):
            continue  # the pane closed while we searched
        for index in await asyncio.to_thread(matcher.matching, captured):
            line = captured[index][:1000]
            found.append(SearchMatch(pane=info.id, target=info.target, line_number=index + 1, line=line))
            if len(found) >= max_matches:
                return SearchResult(matches=found, panes_searched=len(panes), limited=True)
    return SearchResult(matches=found, panes_searched=len(panes), limited=False)


@hub_tool("mutating", title="Split a pane")
async def split_window(
    pane: PaneTarget,
    direction: Literal["right", "left", "below", "above"] = "below",
    percent: Annotated[int | None, Field(ge=5, le=95, description="Size of the new pane.")] = None,
    command: ShellCommand | None = None,
    start_directory: StartDirectory | None = None,
) -> PaneInfo:
    """Split a pane in two; the new pane runs your shell (or `command`). Returns the new pane."""
    return await tmux.split(pane, direction, percent, command, start_directory)


@hub_tool("mutating", title="Resize or zoom a pane", idempotent=True)
async def resize_pane(
    pane: PaneTarget,
    width: Annotated[int | None, Field(ge=2, le=1000)] = None,
    height: Annotated[int | None, Field(ge=2, le=500)] = None,
    zoom: Annotated[bool | None, Field(description="true zooms the pane to fill its window.")] = None,
) -> Changed:
    """Set a pane's width and/or height in cells, or zoom/unzoom it."""
    if width is None and height is None and zoom is None:
        raise BridgeError("give width, height or zoom: nothing to change")
    if width is not None or height is not None:
        await tmux.resize_pane(pane, width, height)
    if zoom is not None:
        await tmux.zoom_pane(pane, zoom)
    return Changed(detail=f"pane {pane} resized")


@hub_tool("destructive", title="Kill a pane")
async def kill_pane(pane: PaneTarget) -> Changed:
    """Kill a pane and its program. Refuses the pane the hub runs in."""
    await tmux.refuse_own_pane("pane", pane)
    await tmux.kill_pane(pane)
    return Changed(detail=f"pane {pane} killed")


@hub_tool("readonly", title="Snapshot a pane", idempotent=True)
async def snapshot_pane(pane: PaneTarget) -> Annotated[CallToolResult, PaneSnapshot]:
    """The visible screen with cursor, mode, size, title and program, all from one instant."""
    state, rows = await tmux.snapshot(pane)
    snapshot = PaneSnapshot(
        pane=state["pane_id"],
        text="\n".join(cap_bytes(rows)[0]),
        cursor_x=int(state["cursor_x"] or 0),
        cursor_y=int(state["cursor_y"] or 0),
        mode=state["pane_mode"] if state["pane_in_mode"] == "1" else "",
        full_screen=state["alternate_on"] == "1",
        width=int(state["pane_width"]),
        height=int(state["pane_height"]),
        title=state["pane_title"],
        current_command=state["pane_current_command"],
        current_path=state["pane_current_path"],
        dead=state["pane_dead"] == "1",
        history_size=int(state["history_size"] or 0),
    )
    return terminal_result(snapshot, "text")


@hub_tool("mutating", title="Select a pane", idempotent=True)
async def select_pane(pane: PaneTarget) -> Changed:
    """Make a pane active and show its window: what a terminal attached to the session sees."""
    await tmux.select_pane(pane)
    return Changed(detail=f"pane {pane} is active and its window current")


@hub_tool("mutating", title="Swap two panes")
async def swap_pane(pane: PaneTarget, other: PaneTarget) -> Changed:
    """Swap the places of two panes (any windows); their programs keep running."""
    await tmux.swap_panes(pane, other)
    return Changed(detail=f"panes {pane} and {other} swapped")


@hub_tool("mutating", title="Set a pane's title", idempotent=True)
async def set_pane_title(
    pane: PaneTarget,
    title: Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")],
) -> Changed:
    """Label a pane (list_panes shows the title); a program may set its own title later."""
    await tmux.set_pane_title(pane, title)
    return Changed(detail=f"pane {pane} is titled {title!r}")


@hub_tool("destructive", title="Restart a pane's program")
async def respawn_pane(
    pane: PaneTarget, command: ShellCommand | None = None, start_directory: StartDirectory | None = None
) -> Changed:
    """Kill what runs in a pane (a crashed or stuck program) and start `command` (or your shell) in it."""
    await tmux.refuse_own_pane("pane", pane)
    await tmux.respawn_pane(pane, command, start_directory)
    return Changed(detail=f"pane {pane} restarted")


@hub_tool("mutating", title="Enter or leave copy mode", idempotent=True)
async def copy_mode(
    pane: PaneTarget, enter: Annotated[bool, Field(description="false leaves copy mode.")] = False
) -> Changed:
    """Leave copy mode (or any mode) so the pane takes input again, or enter it to scroll history."""
    was = await tmux.copy_mode(pane, enter)
    state = "in copy mode" if enter else "out of copy mode"
    return Changed(detail=f"pane {pane} is {state}" + ("" if was != enter else " (it already was)"))
