"""tmux wait-for channels: a program in a pane says when it is done (`tmux wait-for -S name`), or
waits until it is told to go on (`tmux wait-for name`).

Each waiting call is a `tmux wait-for` process of the hub process that answers it, for up to 600 s:
how many wait at once is capped per user and in all (settings `TMUXHUB_CHANNEL_WAITS_PER_USER`,
`TMUXHUB_CHANNEL_WAITS`), counted in that process, which is where the processes are.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from django.conf import settings
from pydantic import Field

from bridge import tmux
from bridge.context import current_caller
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.schemas import ChannelResult, Seconds

Channel = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$", description="Channel name, as in `tmux wait-for NAME`.")
]


_waiting: Counter[str] = Counter()  # waits running now in this process, by user


@contextmanager
def _wait_slot(user: str) -> Iterator[None]:
    """Room for one more wait of `user`, or a BridgeError that says what to do. The event loop runs
    one call at a time up to its first await, so checking and counting need no lock."""
    if _waiting[user] >= settings.TMUXHUB_CHANNEL_WAITS_PER_USER:
        raise BridgeError(
            f"you have {_waiting[user]} wait_for_channel calls waiting already, the most one user may; "
            "let one end (signal its channel) before you start another"
        )
    if _waiting.total() >= settings.TMUXHUB_CHANNEL_WAITS:
        raise BridgeError(
            f"the hub has {_waiting.total()} wait_for_channel calls waiting, all it takes at once; "
            "try again in a while, or poll with wait_for_text"
        )
    _waiting[user] += 1
    try:
        yield
    finally:
        _waiting[user] -= 1
        if not _waiting[user]:
            del _waiting[user]


@hub_tool("readonly", title="Wait for a tmux channel", batchable=False)
async def wait_for_channel(channel: Channel, timeout: Seconds = 30) -> ChannelResult:
    """Wait until a pane runs `tmux wait-for -S <channel>` (e.g. `make; tmux wait-for -S built`)."""
    caller = current_caller()
    started = time.monotonic()
    with _wait_slot(str(caller.user_id or caller.username)):
        signalled = await tmux.wait_for_channel(channel, timeout)
    return ChannelResult(channel=channel, signalled=signalled, elapsed=round(time.monotonic() - started, 3))


@hub_tool("mutating", title="Signal a tmux channel")
async def signal_channel(channel: Channel) -> ChannelResult:
    """Wake what waits on a channel in a pane (`tmux wait-for <channel>; deploy` goes on)."""
    await tmux.signal_channel(channel)
    return ChannelResult(channel=channel, signalled=True, elapsed=0.0)
