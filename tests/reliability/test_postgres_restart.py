"""PostgreSQL restarts under traffic: calls in flight fail cleanly, the next ones succeed, and every
refused request is counted once, with no half-written offender rows."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
import httpx
import pytest

from tests.support.hub import mcp_session, structured
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio, pytest.mark.slow]

LIMITS = {
    "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
    "ABUSE_ANON_LIMIT": "2",
    "ABUSE_ANON_WINDOW": "3600",
    "ABUSE_FLUSH_SECONDS": "0.2",
    "ABUSE_TOKEN_CACHE_SECONDS": "0",  # every call checks its token in the database
}
FLOODER = "203.0.113.77"


async def until(done: Callable[[], bool], seconds: float = 60) -> bool:
    """Whether `done()` came true within `seconds`, looking every 50 ms."""
    with anyio.move_on_after(seconds):
        while not done():
            await anyio.sleep(0.05)
    return done()


@pytest.fixture
def pg_hub(own_postgres, hub_factory):
    hub = hub_factory(DATABASE_URL=own_postgres.url, **LIMITS)
    return hub, own_postgres.mint_token(hub.url)


async def test_a_restart_under_traffic_fails_calls_cleanly_and_loses_no_count(
    own_postgres, pg_hub, shell_pane
) -> None:
    hub, token = pg_hub
    outcomes: list[str] = []
    refused = 0
    stop = anyio.Event()

    async def mcp_traffic() -> None:
        while not stop.is_set():
            try:
                async with mcp_session(hub, token) as session:
                    result = await session.call_tool("capture_pane", {"pane": shell_pane.pane_id, "lines": 3})
                    outcomes.append("error" if result.is_error else "ok")
                    assert "Traceback" not in str(result.content)
                    if not result.is_error:
                        assert structured(result)["pane"] == shell_pane.pane_id
            except Exception as error:  # the request failed as a whole: how, is checked below
                outcomes.append(f"failed: {type(error).__name__}")
            await anyio.sleep(0.05)

    def flood() -> None:
        nonlocal refused
        while not stop.is_set():
            refused += get(hub, "/mcp", FLOODER).status_code == 429
            time.sleep(0.02)

    async with anyio.create_task_group() as group:
        group.start_soon(mcp_traffic)
        group.start_soon(anyio.to_thread.run_sync, flood)
        # Traffic of both kinds under way (fixed sleeps here were too short on a loaded machine); no
        # assertion inside the group: the flood's thread ends only once `stop` is set.
        await until(lambda: len(outcomes) >= 3 and refused > 0)
        await anyio.to_thread.run_sync(own_postgres.restart)
        restarted = len(outcomes)
        # Until the calls succeed again (or 60 s: the assertions below then say what they did).
        await until(lambda: outcomes[restarted:][-5:] == ["ok"] * 5)
        stop.set()

    after = outcomes[restarted:]
    assert outcomes[:3] == ["ok"] * 3, outcomes
    assert after[-5:] == ["ok"] * 5, f"calls after the restart still fail: {after}"
    assert hub.process.poll() is None
    # What failed, failed with an answer (HTTP status or tool error), not a hang or a traceback.
    assert "Traceback" not in httpx.get(f"{hub.url}/healthz", timeout=10).text

    def counted() -> bool:
        rows = own_postgres.query("SELECT hits FROM abuse_offender WHERE ip = %s", FLOODER)
        return bool(rows) and rows[0][0] == refused

    wait_until(counted, timeout=10)
    rows = own_postgres.query(
        "SELECT r.reason, r.count FROM abuse_reasoncount r JOIN abuse_offender o ON o.id = r.offender_id"
        " WHERE o.ip = %s",
        FLOODER,
    )
    assert rows == [("throttled", refused)], (rows, refused)
