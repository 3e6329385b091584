"""Several calls in one: each tool call over the internet costs a model turn and a round trip."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel, Field

from bridge import tmux
from bridge.context import call_inner
from bridge.exceptions import BridgeError
from bridge.registry import TOOLS, hub_tool
from bridge.schemas import BatchItem, BatchResult, KeysBatchResult, KeysResult, PaneTarget
from bridge.tools.keyboard import Key

MAX_CALLS = 10


class ReadCall(BaseModel):
    tool: str = Field(max_length=64)
    arguments: dict[str, Any] = Field(default_factory=dict)


def _batchable(name: str) -> bool:
    """Readonly tools that answer at once: waits hold their caller for up to minutes."""
    declared = TOOLS.get(name)
    return declared is not None and declared.tier == "readonly" and not name.startswith(("wait_", "call_"))


async def _one(call: ReadCall) -> BatchItem:
    if not _batchable(call.tool):
        return BatchItem(
            tool=call.tool, result=None, error=f"{call.tool!r} is not a readonly tool that a batch can run "
            "(waits cannot); tools/list marks readonly tools with readOnlyHint",
        )  # fmt: skip
    try:
        return BatchItem(tool=call.tool, result=await call_inner(call.tool, call.arguments), error=None)
    except ToolError as exc:
        return BatchItem(tool=call.tool, result=None, error=str(exc))


@hub_tool("readonly", title="Run several read tools at once")
async def call_read_tools_batch(
    calls: Annotated[list[ReadCall], Field(min_length=1, max_length=MAX_CALLS)],
) -> BatchResult:
    """Run up to 10 readonly tools (not waits) in one call, e.g. capture_pane of several panes.
    Each call is {"tool": name, "arguments": {...}}; each result or error comes back in order."""
    return BatchResult(results=list(await asyncio.gather(*(_one(call) for call in calls))))


class PaneKeys(BaseModel):
    pane: PaneTarget
    keys: list[Key] = Field(min_length=1, max_length=32)


@hub_tool("mutating", title="Press keys in several panes")
async def send_keys_batch(
    panes: Annotated[list[PaneKeys], Field(min_length=1, max_length=16)],
) -> KeysBatchResult:
    """Press named keys in several panes, in order (e.g. C-c in every pane of a window)."""
    sent: list[KeysResult] = []
    for item in panes:
        try:
            await tmux.send_keys(item.pane, item.keys)
        except BridgeError as exc:
            done = ", ".join(result.pane for result in sent) or "none"
            raise BridgeError(f"{item.pane}: {exc} (keys were sent to: {done})") from exc
        sent.append(KeysResult(pane=item.pane, keys=item.keys))
    return KeysBatchResult(sent=sent)
