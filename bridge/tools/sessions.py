"""Tools that act on tmux sessions."""

from __future__ import annotations

import asyncio

from bridge import tmux
from bridge.registry import hub_tool


@hub_tool("readonly", title="Count tmux sessions", idempotent=True)
async def tmux_list_sessions() -> dict[str, int]:
    """Count the tmux sessions on the hub's server."""
    return {"sessions": await asyncio.to_thread(tmux.ping)}
