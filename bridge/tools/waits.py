"""Tools that wait on a pane: for text to appear, or for the pane to go quiet.

Both are driven by the pane's output as tmux reports it (`bridge/watch.py`): they answer within
milliseconds of the output that ends them, miss nothing however fast it comes, and hold no thread
and make no tmux call while the pane is quiet.
"""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from bridge import tmux, watch
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import IdleResult, PaneTarget, Seconds, WaitResult
from bridge.screen import LineMatcher


@hub_tool("readonly", title="Wait for text in a pane", batchable=False)
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
    hits, elapsed = await watch.wait_for_text(pane, matcher, timeout)
    return WaitResult(
        pane=pane, found=bool(hits), timed_out=not hits, elapsed=round(elapsed, 3), matched_lines=hits
    )


@hub_tool("readonly", title="Wait until a pane is quiet", batchable=False)
async def wait_for_idle(
    pane: PaneTarget,
    quiet: Annotated[float, Field(ge=0.2, le=300, description="Seconds without any change on screen.")] = 2.0,
    timeout: Seconds = 60,
) -> Annotated[CallToolResult, IdleResult]:
    """Wait until the pane's screen stops changing for `quiet` seconds (e.g. Claude Code finished),
    or `timeout` passes. Returns the last lines either way."""
    idle, elapsed = await watch.wait_until_quiet(pane, quiet, timeout)
    tail = "\n".join(await tmux.capture(pane, 20))
    result = IdleResult(pane=pane, idle=idle, timed_out=not idle, elapsed=round(elapsed, 3), tail=tail)
    return terminal_result(result, "tail")
