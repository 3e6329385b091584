"""The `wait` part: how fast `wait_for_text` answers, whether it misses output, what quiet waits cost.

- latency: rounds of `WAITERS` concurrent `wait_for_text` calls, each for a line the bench then
  writes into a pane (through a FIFO the pane's `cat` reads) one after another; per call, the time
  from writing its line to the call's answer: p50/p95 in the table (target p95 <= 20 ms).
- burst: one `wait_for_text` for a line followed in the same write by `BURST_LINES` more, far past
  any screen and history a poll could compare: found or not.
- quiet: `QUIET_WAITS` `wait_for_text`/`wait_for_idle` calls on `QUIET_PANES` panes that print
  nothing; the hub's CPU (all its processes) while they wait, in % of one core (target < 5 %).
- during: `capture_pane` while four long `wait_for_idle` wait on a pane that never goes quiet.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import psutil

from tests.support.hub import mcp_session, structured

from .timing import Budget, Result, measure_async
from .world import LAST_LINE, PANE_ROWS, Hub, Tmux

WAITERS = 10
QUIET_PANES = 10
QUIET_WAITS = 100
BURST_LINES = 5000


def _hub_cpu_seconds(pid: int) -> float:
    """CPU used so far by the hub: its process, its workers (uvicorn --workers) and their children."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def _new_pane(world: Tmux, name: str, command: str) -> str:
    return world.run(
        "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", name, "-x", "120", "-y", "30", command
    ).strip()  # fmt: skip


async def _call(session: Any, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
    result = await session.call_tool(tool, arguments)
    if result.is_error:
        raise RuntimeError(f"{tool}: {result.content[0].text[:300]}")
    return dict(structured(result))


async def latency_case(running: Hub, world: Tmux, budget: Budget) -> Result:
    """Line written → `wait_for_text` answered, `WAITERS` waits at a time on one pane."""
    fifo = world.folder / "ticks.fifo"
    os.mkfifo(fifo)
    pane = _new_pane(world, "ticks", f"exec cat {fifo}")
    writer = os.open(fifo, os.O_RDWR)  # never blocks, and cat sees no end of file between rounds
    result = Result(case="`wait_for_text`: line written → call answered", clients=WAITERS, comparable=False)
    rounds = max(1, min(budget.calls, 100) // WAITERS)
    started = time.perf_counter()
    try:
        async with mcp_session(running.mcp_url, running.token) as session:
            for r in range(rounds):
                written: dict[int, float] = {}

                async def wait(i: int, r: int = r, written: dict[int, float] = written) -> None:
                    arguments = {"pane": pane, "pattern": f"tick {r}-{i} end", "timeout": 10}
                    out = await _call(session, "wait_for_text", arguments)
                    answered = time.perf_counter()
                    if out["found"]:
                        result.latencies_ms.append((answered - written[i]) * 1000)
                    else:
                        result.errors += 1

                tasks = [asyncio.create_task(wait(i)) for i in range(WAITERS)]
                await asyncio.sleep(0.5)  # every call is waiting by then (there is no sign to wait for)
                for i in range(WAITERS):
                    written[i] = time.perf_counter()
                    os.write(writer, f"tick {r}-{i} end\n".encode())
                    await asyncio.sleep(0.03)
                await asyncio.gather(*tasks)
    finally:
        os.close(writer)
    result.seconds = time.perf_counter() - started
    result.load = os.getloadavg()[0]
    result.note = f"{rounds} rounds of {WAITERS} waits on one pane; target p95 <= 20 ms"
    return result


async def burst_case(running: Hub, world: Tmux) -> bool:
    """Whether `wait_for_text` finds a line that `BURST_LINES` more follow in the same write."""
    script = world.folder / "burst.py"
    script.write_text(
        "import sys, time\ntime.sleep(1.0)\n"
        f"sys.stdout.write('needle ' + 'found\\n' + ''.join(f'row {{i}}\\n' for i in range({BURST_LINES})))\n"
        "sys.stdout.flush()\ntime.sleep(3600)\n"
    )
    pane = _new_pane(world, "burst", f"python3 {script}")
    async with mcp_session(running.mcp_url, running.token) as session:
        out = await _call(session, "wait_for_text", {"pane": pane, "pattern": "needle found", "timeout": 10})
    return bool(out["found"])


async def quiet_case(running: Hub, world: Tmux, budget: Budget) -> float:
    """The hub's CPU, in % of one core, while `QUIET_WAITS` waits sit on `QUIET_PANES` quiet panes."""
    panes = [_new_pane(world, f"quiet{i}", "exec sleep 3600") for i in range(QUIET_PANES)]
    settle, window = 1.5, max(2.0, budget.seconds)
    timeout = settle + 10 + window + 1
    calls = [
        ("wait_for_text", {"pattern": "never printed", "timeout": timeout})
        if n % 2
        else ("wait_for_idle", {"quiet": 300, "timeout": timeout})
        for n in range(QUIET_WAITS // QUIET_PANES)
    ]

    async def waits(pane: str) -> None:
        async with mcp_session(running.mcp_url, running.token) as session:
            await asyncio.gather(*(_call(session, tool, {"pane": pane, **args}) for tool, args in calls))

    tasks = [asyncio.create_task(waits(pane)) for pane in panes]
    await asyncio.sleep(settle)
    # On a loaded machine starting 100 calls can outlast the settle: wait for the hub to go quiet.
    for _ in range(20):
        before, at = _hub_cpu_seconds(running.pid), time.perf_counter()
        await asyncio.sleep(0.5)
        if _hub_cpu_seconds(running.pid) - before <= 0.01:
            break
    before, at = _hub_cpu_seconds(running.pid), time.perf_counter()
    await asyncio.sleep(window)
    used = (_hub_cpu_seconds(running.pid) - before) / (time.perf_counter() - at)
    await asyncio.gather(*tasks)
    return used * 100


async def during_case(running: Hub, world: Tmux, budget: Budget, waiters: int = 4) -> Result:
    """capture_pane while `waiters` long `wait_for_idle` calls (on a pane that never goes quiet) are
    in flight on other connections: they must not slow it down."""
    from .servers import tool_caller

    async def long_wait() -> None:
        async with mcp_session(running.mcp_url, running.token) as session:
            arguments = {"pane": world.busy_pane, "quiet": 30, "timeout": budget.seconds + 3}
            await session.call_tool("wait_for_idle", arguments)

    waits = [asyncio.create_task(long_wait()) for _ in range(waiters)]
    await asyncio.sleep(1)  # the waits are under way by now
    async with mcp_session(running.mcp_url, running.token) as session:
        call = tool_caller(session, "capture_pane", {"pane": world.pane, "lines": PANE_ROWS}, LAST_LINE)
        result = await measure_async(
            f"tmuxhub `capture_pane` while {waiters} `wait_for_idle` wait", [call], budget
        )
    still_waiting = sum(not task.done() for task in waits)
    await asyncio.gather(*waits)
    result.note = f"{still_waiting}/{waiters} waits still in flight when the loop ended"
    return result


async def wait_cases(running: Hub, world: Tmux, budget: Budget) -> tuple[list[Result], dict[str, Any]]:
    latency = await latency_case(running, world, budget)
    found = await burst_case(running, world)
    cpu = await quiet_case(running, world, budget)
    during = await during_case(running, world, budget)
    summary = {
        "line_to_answer_p50_ms": round(latency.p50, 2),
        "line_to_answer_p95_ms": round(latency.p95, 2),
        "burst_lines": BURST_LINES,
        "burst_found": found,
        "quiet_waits": QUIET_WAITS,
        "quiet_panes": QUIET_PANES,
        "quiet_hub_cpu_percent": round(cpu, 2),
    }
    return [latency, during], summary
