"""wait_for_channel is bounded: each waiting call is a `tmux wait-for` process of the hub, so a user
may keep only a few waiting at once, and the hub only so many in all; more are refused at once with
an error that says what to do, and no process is left behind."""

import anyio
import psutil
import pytest

from tests.support.hub import Hub, call, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def waiters(hub: Hub) -> list[psutil.Process]:
    """The `tmux wait-for` processes the hub started."""
    children = psutil.Process(hub.process.pid).children(recursive=True)
    return [p for p in children if "wait-for" in p.cmdline()]


async def wait_at_once(session, channels: list[str]) -> list:
    results: list = [None] * len(channels)

    async def one(index: int, channel: str) -> None:
        results[index] = await session.call_tool("wait_for_channel", {"channel": channel, "timeout": 60})

    async with anyio.create_task_group() as group:
        for index, channel in enumerate(channels):
            group.start_soon(one, index, channel)
    return results


@pytest.fixture
def capped_hub(hub_factory) -> Hub:
    return hub_factory(TMUXHUB_CHANNEL_WAITS_PER_USER="3", TMUXHUB_CHANNEL_WAITS="5")


@pytest.fixture
def tokens(make_user, make_token, capped_hub):
    reader = make_token(make_user("reader", tier="readonly"), resource=capped_hub.mcp_url)
    writer = make_token(make_user("writer", tier="mutating"), resource=capped_hub.mcp_url)
    return reader, writer


async def test_concurrent_channel_waits_are_capped_per_user_and_in_all(capped_hub, tokens, shell_pane):
    reader, writer = tokens
    outcomes: dict[str, list] = {}

    async def run(name: str, session, channels: list[str]) -> None:
        outcomes[name] = await wait_at_once(session, channels)

    async with (
        mcp_session(capped_hub, reader) as reading,
        mcp_session(capped_hub, writer) as writing,
        anyio.create_task_group() as group,
    ):
        group.start_soon(run, "reader", reading, [f"r{i}" for i in range(8)])
        # The reader's three waits are running (and its other five refused) before the writer asks.
        await anyio.to_thread.run_sync(lambda: wait_until(lambda: len(waiters(capped_hub)) == 3))
        group.start_soon(run, "writer", writing, [f"w{i}" for i in range(3)])
        await anyio.to_thread.run_sync(lambda: wait_until(lambda: len(waiters(capped_hub)) == 5))
        await anyio.sleep(0.5)  # a sixth process would have started by now
        assert len(waiters(capped_hub)) == 5
        for channel in [*(f"r{i}" for i in range(8)), *(f"w{i}" for i in range(3))]:
            await call(writing, "signal_channel", channel=channel)

    reader_signalled = [r for r in outcomes["reader"] if not r.is_error]
    reader_refused = [r.content[0].text for r in outcomes["reader"] if r.is_error]
    writer_refused = [r.content[0].text for r in outcomes["writer"] if r.is_error]
    assert len(reader_signalled) == 3 and all(r.structured_content["signalled"] for r in reader_signalled)
    assert len(reader_refused) == 5 and all("the most one user may" in text for text in reader_refused)
    assert len(writer_refused) == 1 and "all it takes at once" in writer_refused[0]
    await anyio.to_thread.run_sync(lambda: wait_until(lambda: not waiters(capped_hub)))
