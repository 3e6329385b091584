"""tmux wait-for channels: a program in a pane says when it is done (`tmux wait-for -S name`), or
waits until it is told to go on (`tmux wait-for name`)."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import Field

from bridge import tmux
from bridge.registry import hub_tool
from bridge.schemas import ChannelResult, Seconds

Channel = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Channel name, as in `tmux wait-for NAME`.")
]


@hub_tool("readonly", title="Wait for a tmux channel")
async def wait_for_channel(channel: Channel, timeout: Seconds = 30) -> ChannelResult:
    """Wait until a pane runs `tmux wait-for -S <channel>` (e.g. `make; tmux wait-for -S built`)."""
    started = time.monotonic()
    signalled = await tmux.wait_for_channel(channel, timeout)
    return ChannelResult(channel=channel, signalled=signalled, elapsed=round(time.monotonic() - started, 3))


@hub_tool("mutating", title="Signal a tmux channel")
async def signal_channel(channel: Channel) -> ChannelResult:
    """Wake what waits on a channel in a pane (`tmux wait-for <channel>; deploy` goes on)."""
    await tmux.signal_channel(channel)
    return ChannelResult(channel=channel, signalled=True, elapsed=0.0)
