import time

import anyio
import pytest

from tests.fixtures.panes import call, pane_text, wait_until
from tests.hub import mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_wait_for_text_ignores_what_was_already_there(hub, mcp_token, shell_pane):
    shell_pane.send_keys("echo READY", enter=True)
    wait_until(lambda: "READY\n$" in pane_text(shell_pane))

    async with mcp_session(hub, mcp_token) as session:
        stale = await call(session, "wait_for_text", pane=shell_pane.pane_id, pattern="READY", timeout=0.5)

    assert not stale["found"] and stale["timed_out"]


async def test_wait_for_text_finds_new_output(hub, mcp_token, shell_pane):
    shell_pane.send_keys("sleep 0.5; echo build finished: 3 warnings", enter=True)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(
            session,
            "wait_for_text",
            pane=shell_pane.pane_id,
            pattern=r"finished: \d+ warnings$",
            regex=True,
            timeout=10,
        )

    assert out["found"] and out["matched_lines"] == ["build finished: 3 warnings"]


async def test_wait_for_idle_waits_for_a_quiet_screen(hub, mcp_token, shell_pane):
    shell_pane.send_keys("for i in 1 2 3 4; do echo tick$i; sleep 0.3; done", enter=True)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=0.8, timeout=10)

    assert out["idle"] and out["elapsed"] >= 0.8
    assert "tick4" in out["tail"]


async def test_wait_for_idle_times_out_on_a_busy_pane(hub, mcp_token, shell_pane):
    shell_pane.send_keys("while true; do date +%N; sleep 0.05; done", enter=True)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=1, timeout=1.5)

    assert not out["idle"] and out["timed_out"]


async def test_a_long_wait_does_not_delay_another_clients_calls(hub, mcp_token, shell_pane):
    shell_pane.send_keys("while true; do date +%N; sleep 0.05; done", enter=True)
    latencies: list[float] = []

    async def long_wait() -> None:
        async with mcp_session(hub, mcp_token) as session:
            await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=5, timeout=6)

    async def quick_reads() -> None:
        async with mcp_session(hub, mcp_token) as session:
            await anyio.sleep(0.5)  # the wait is under way
            for _ in range(10):
                started = time.monotonic()
                await call(session, "capture_pane", pane=shell_pane.pane_id, lines=10)
                latencies.append(time.monotonic() - started)

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(long_wait)
        group.start_soon(quick_reads)

    assert time.monotonic() - started >= 5.5  # the wait really lasted
    assert len(latencies) == 10 and max(latencies) < 1.0


async def test_many_clients_at_once_all_get_answers(hub, mcp_token, shell_pane):
    results: list[dict] = []

    async def client() -> None:
        async with mcp_session(hub, mcp_token) as session:
            for _ in range(5):
                results.append(await call(session, "capture_pane", pane=shell_pane.pane_id, lines=100))

    async with anyio.create_task_group() as group:
        for _ in range(16):
            group.start_soon(client)

    assert len(results) == 80
    assert all(r["pane"] == shell_pane.pane_id for r in results)
