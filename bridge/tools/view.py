"""The terminal view's own tool (`bridge.app_view`): a pane's screen in colour, waiting for a change.

Hidden from the model (`_meta.ui.visibility: ["app"]`); the view calls it through the host with the
person's token, so it is tier-checked and audited like any call. It reports which of the view's
buttons the caller's tier allows, so a readonly person's view shows none that would be refused.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from typing import Annotated

from mcp.types import CallToolResult, TextContent
from pydantic import Field

from bridge import app_view, steering, tmux, watch
from bridge.context import allows, current_caller
from bridge.exceptions import BridgeError
from bridge.registry import TOOLS, hub_tool
from bridge.schemas import PaneScreen, PaneTarget
from bridge.screen import cap_bytes
from tmuxhub.lib import ansi

LINES = 200  # lines of history and screen the view shows (it scrolls)
SETTLE = 0.1  # seconds a burst of output may go on before the view is sent the screen
POLL = 0.5  # seconds between looks when tmux cannot attach a watching client
CLOSED = "its program ended or it was killed"


async def _pane_exists(pane: str) -> bool:
    return any(pane in (info.id, info.target) for info in await tmux.list_panes())


async def _look(pane: str) -> PaneScreen:
    try:
        rows = await tmux.capture(pane, LINES, ansi=True)
        # After the capture: the output it shows has already scrolled the history it counts.
        alternate, history = await tmux.display(pane, "alternate_on", "history_size")
        if alternate == "1":  # a full-screen program: its screen alone, without the shell's history above
            rows = await tmux.capture(pane, None, ansi=True)
        agent = await steering.inspect(pane)  # Claude Code or not: by its process
    except BridgeError:
        if await _pane_exists(pane):
            raise
        return PaneScreen(pane=pane, closed=True, message=f"Pane {pane} is closed: {CLOSED}.")
    kept, _ = cap_bytes(rows)  # the newest lines, when the capture is over the byte budget
    tier = current_caller().tier
    screen = PaneScreen(
        pane=pane,
        closed=False,
        html=ansi.to_html(kept),
        # A full-screen program, or a pane that never scrolled (`top` draws without the alternate
        # screen): shown from its top, as the admin's live view does.
        one_screen=alternate == "1" or history == "0",
        agent=agent if agent.claude_code else None,
        can_answer=allows(tier, TOOLS["answer_dialog"].tier),
        can_prompt=allows(tier, TOOLS["tmux_send_prompt"].tier),
    )
    screen.digest = hashlib.sha256(screen.model_dump_json().encode()).hexdigest()[:16]
    return screen


async def _changed(pane: str, since: str, wait: float) -> PaneScreen:
    """The screen once it differs from `since`, or as it is after `wait` seconds. Woken by the
    pane's output (`bridge.watch`), so a quiet pane costs nothing while the view waits."""
    deadline = time.monotonic() + wait
    screen = await _look(pane)
    if screen.digest != since or screen.closed:
        return screen
    try:
        async with watch.watch(pane) as feed:
            while (left := deadline - time.monotonic()) > 0:
                batch = await feed.next(left)
                if batch is None:
                    break
                if batch.structural or batch.closed:
                    await feed.recheck()
                await asyncio.sleep(SETTLE)  # one look per burst of output, not one per chunk
                screen = await _look(pane)
                if screen.digest != since or screen.closed:
                    return screen
    except watch.Unwatchable:
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL)
            screen = await _look(pane)
            if screen.digest != since or screen.closed:
                return screen
    except BridgeError:  # the pane closed while watched
        return await _look(pane)
    return screen


# Not batchable: it may wait up to 25 s for a change, and only the view calls it.
@hub_tool(
    "readonly", title="Terminal view of a pane", idempotent=True, meta=app_view.APP_ONLY, batchable=False
)
async def pane_view(
    pane: PaneTarget,
    since: Annotated[str, Field(max_length=64, description="The digest last shown.")] = "",
    wait: Annotated[float, Field(ge=0, le=25, description="Seconds to wait for a change.")] = 0,
) -> Annotated[CallToolResult, PaneScreen]:
    """For the terminal view (an MCP App); models read panes with capture_pane."""
    screen = await _changed(pane, since, wait) if since and wait else await _look(pane)
    state = "closed" if screen.closed else screen.agent.state if screen.agent else "terminal"
    return CallToolResult(
        content=[TextContent(type="text", text=f"{pane}: {state}")],
        structured_content=screen.model_dump(mode="json"),
    )
