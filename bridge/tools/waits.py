"""Tools that wait on a pane: for text to appear, or for the pane to go quiet.

Waits poll with short tmux calls and sleep on the event loop in between, so a long wait holds no
thread and never delays other callers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from pydantic import Field

from bridge import tmux
from bridge.registry import hub_tool
from bridge.schemas import IdleResult, PaneTarget, Seconds, WaitResult
from bridge.screen import LineMatcher, fingerprints, new_lines

WINDOW = 500  # lines watched for new output; more than that between two polls would be missed
POLL = 0.2


@hub_tool("readonly", title="Wait for text in a pane")
async def wait_for_text(
    pane: PaneTarget,
    pattern: Annotated[str, Field(min_length=1, max_length=200)],
    regex: bool = False,
    ignore_case: bool = False,
    timeout: Seconds = 30,
) -> WaitResult:
    """Wait until `pattern` shows up in output that appears *after* this call starts (old text never
    counts). Literal by default, or a regex. Ends at the first match or after `timeout` seconds."""
    matcher = LineMatcher(pattern, is_regex=regex, ignore_case=ignore_case)
    started = time.monotonic()
    before = fingerprints(await tmux.capture(pane, WINDOW))
    while True:
        fresh, _ = new_lines(before, await tmux.capture(pane, WINDOW))
        hits = [fresh[i] for i in await asyncio.to_thread(matcher.matching, fresh)] if fresh else []
        elapsed = time.monotonic() - started
        if hits or elapsed >= timeout:
            return WaitResult(
                pane=pane,
                found=bool(hits),
                timed_out=not hits,
                elapsed=round(elapsed, 3),
                matched_lines=hits[:50],
            )
        await asyncio.sleep(min(POLL, max(0.0, timeout - elapsed)))


@hub_tool("readonly", title="Wait until a pane is quiet")
async def wait_for_idle(
    pane: PaneTarget,
    quiet: Annotated[float, Field(ge=0.2, le=300, description="Seconds without any change on screen.")] = 2.0,
    timeout: Seconds = 60,
) -> IdleResult:
    """Wait until the pane's screen stops changing for `quiet` seconds (e.g. Claude Code finished),
    or `timeout` passes. Returns the last lines either way."""
    started = time.monotonic()
    last, changed_at = await tmux.screen(pane), started
    poll = min(POLL, quiet / 4)
    while True:
        await asyncio.sleep(poll)
        now_screen = await tmux.screen(pane)
        now = time.monotonic()
        if now_screen != last:
            last, changed_at = now_screen, now
        idle = now - changed_at >= quiet
        if idle or now - started >= timeout:
            tail = await tmux.capture(pane, 20)
            return IdleResult(
                pane=pane, idle=idle, timed_out=not idle, elapsed=round(now - started, 3), tail=tail
            )
