"""Several calls in one: each tool call over the internet costs a model turn and a round trip."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from mcp.server.mcpserver import Context
from pydantic import BaseModel, Field

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.registry import BatchRunner, hub_tool
from bridge.schemas import BatchItem, BatchResult, KeysBatchResult, KeysResult, PaneTarget
from bridge.tools.keyboard import Key

MAX_CALLS = 10


class ReadCall(BaseModel):
    tool: str = Field(max_length=64)
    arguments: dict[str, Any] = Field(default_factory=dict)


async def _one(runner: BatchRunner, call: ReadCall, ctx: Context) -> BatchItem:
    try:
        result = await runner.call_batched(call.tool, call.arguments, ctx)
    except BridgeError as exc:
        return BatchItem(tool=call.tool, result=None, error=str(exc))
    return BatchItem(tool=call.tool, result=result, error=None)


@hub_tool("readonly", title="Run several read tools at once", batchable=False)
async def call_read_tools_batch(
    calls: Annotated[list[ReadCall], Field(min_length=1, max_length=MAX_CALLS)],
    ctx: Context,
) -> BatchResult:
    """Run up to 10 readonly tools (not waits) in one call, e.g. capture_pane of several panes.
    Each call is {"tool": name, "arguments": {...}}; each result or error comes back in order."""
    runner = ctx.mcp_server
    if not isinstance(runner, BatchRunner):
        raise BridgeError("this tool runs only inside the hub's MCP server")
    return BatchResult(results=list(await asyncio.gather(*(_one(runner, call, ctx) for call in calls))))


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
