"""Soak: many MCP clients for minutes against one hub, mixing capture, send and wait calls.

    python -m bench --soak                        # 32 clients, 5 minutes (the README's figures)
    python -m bench --soak --soak-seconds 10 --soak-clients 8    # a smoke run

Everything is local (loopback, a tmux server of its own, the hub of `bench.world`). Bounded in time
(`--soak-seconds`) and in count (`--soak-calls`). Reported: calls, errors, latency percentiles, the
hub's memory (RSS) after a warm-up with every client and at the end, and its handles at those two
moments (open files, threads, SQLite files, sockets, tmux child processes, tmux clients). The run
fails (exit status 1) on any error, on a handle count that grew, or on memory growth beyond
`--soak-max-growth-mb` (40 MB by default: Python's allocator keeps freed arenas, caches fill up).
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psutil

from .world import BASE_DIR, LAST_LINE, PANE_ROWS, Hub, Tmux, hub, tmux_world

RESULTS = BASE_DIR / "bench" / "results"
# Before counting handles: audit rows written, idle keep-alive connections closed (uvicorn: 5 s).
SETTLE_SECONDS = 6.0


@dataclass
class Tally:
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    first_errors: list[str] = field(default_factory=list)

    def add(self, kind: str, ms: float) -> None:
        self.latencies_ms.setdefault(kind, []).append(ms)

    def fail(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        if len(self.first_errors) < 5:
            self.first_errors.append(f"{kind}: {message[:300]}")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# Files a hub worker thread opens for its own SQLite connection: the database and its WAL.
PER_THREAD_FILES = 2


def handles(pid: int, world: Tmux) -> dict[str, int]:
    """What the hub holds that a leak would grow: files, threads, sockets, tmux processes/clients."""
    process = psutil.Process(pid)
    files = process.open_files()
    clients = world.run("list-clients", "-F", "#{client_pid}").split()
    return {
        "open_fds": process.num_fds(),
        "threads": process.num_threads(),
        "sqlite_files": sum(".sqlite3" in f.path for f in files),
        "tcp_sockets": len(process.net_connections(kind="tcp")),
        "tmux_children": sum(child.name() == "tmux" for child in process.children(recursive=True)),
        "tmux_clients": len(clients),
    }


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


async def client(number: int, running: Hub, world: Tmux, cat_pane: str, deadline: float, tally: Tally,
                 budget: list[int]) -> None:  # fmt: skip
    from tests.support.hub import mcp_session

    chooser = random.Random(number)  # a reproducible mix per client
    calls = {
        "capture": ("capture_pane", lambda: {"pane": world.pane, "lines": PANE_ROWS}),
        "send": ("tmux_send_prompt", lambda: {"pane": cat_pane, "text": f"soak {number}", "settle_ms": 0}),
        "wait": ("wait_for_text", lambda: {"pane": world.busy_pane, "pattern": ".", "timeout": 5}),
    }
    async with mcp_session(running.mcp_url, running.token) as session:
        while time.monotonic() < deadline and budget[0] > 0:
            budget[0] -= 1
            kind = chooser.choices(["capture", "send", "wait"], weights=[2, 1, 1])[0]
            tool, arguments = calls[kind]
            started = time.perf_counter()
            try:
                result = await session.call_tool(tool, arguments())
            except Exception as error:
                tally.fail(kind, f"{type(error).__name__}: {error}")
                continue
            text = "".join(getattr(block, "text", "") for block in result.content)
            if result.is_error or (kind == "capture" and LAST_LINE not in text):
                tally.fail(kind, text)
                continue
            tally.add(kind, (time.perf_counter() - started) * 1000)


async def soak(running: Hub, world: Tmux, clients: int, seconds: float, max_calls: int) -> dict[str, Any]:
    cat_pane = world.run("new-session", "-d", "-P", "-F", "#{pane_id}", "-s", "soak-send", "cat > /dev/null")
    cat_pane = cat_pane.strip()
    # Warm-up with every client: the hub's thread pool, and the database and Redis connections
    # each of its threads keeps, reach their size; growth after that would be a leak.
    warm_until = time.monotonic() + min(10.0, max(3.0, seconds / 10))
    await asyncio.gather(
        *(client(n, running, world, cat_pane, warm_until, Tally(), [max_calls]) for n in range(clients))
    )
    await asyncio.sleep(SETTLE_SECONDS)
    before = handles(running.pid, world)
    rss_start = rss_mb(running.pid)
    tally = Tally()
    samples: list[tuple[float, float]] = []
    started = time.monotonic()
    deadline = started + seconds

    async def sample_memory() -> None:
        while time.monotonic() < deadline:
            samples.append((round(time.monotonic() - started, 1), round(rss_mb(running.pid), 1)))
            await asyncio.sleep(min(10.0, seconds / 10))

    budget = [max_calls]
    await asyncio.gather(
        sample_memory(),
        *(client(n, running, world, cat_pane, deadline, tally, budget) for n in range(clients)),
    )
    elapsed = time.monotonic() - started
    rss_end = rss_mb(running.pid)
    await asyncio.sleep(SETTLE_SECONDS)
    after = handles(running.pid, world)
    every = [ms for values in tally.latencies_ms.values() for ms in values]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "calls": len(every) + sum(tally.errors.values()),
        "errors": sum(tally.errors.values()),
        "errors_by_kind": dict(tally.errors),
        "first_errors": tally.first_errors,
        "calls_per_s": round(len(every) / elapsed, 1) if elapsed else None,
        "p50_ms": round(percentile(every, 50), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "p99_ms": round(percentile(every, 99), 1),
        "p95_ms_by_kind": {k: round(percentile(v, 95), 1) for k, v in tally.latencies_ms.items()},
        "calls_by_kind": {k: len(v) for k, v in tally.latencies_ms.items()},
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_growth_mb": round(rss_end - rss_start, 1),
        "rss_samples": samples,
        "handles_before": before,
        "handles_after": after,
    }


def verdict(report: dict[str, Any], max_growth_mb: float) -> list[str]:
    """What failed, in words; empty when the soak held."""
    problems = []
    if report["errors"]:
        problems.append(f"{report['errors']} errors: {report['first_errors']}")
    if report["rss_growth_mb"] > max_growth_mb:
        problems.append(f"memory grew {report['rss_growth_mb']} MB (bound {max_growth_mb} MB)")
    before, after = report["handles_before"], report["handles_after"]
    # Pools may still grow after the warm-up, up to the load's concurrency, never with the number of
    # calls: a pooled Redis connection or a keep-alive socket per concurrent client, and a SQLite
    # connection (database and WAL) per thread, kept CONN_MAX_AGE by Django, which a thread opens
    # the first time it touches the database, perhaps only during the soak. A leak grows with the
    # calls (hundreds of them here), far past that allowance.
    sqlite_bound = after["threads"] * PER_THREAD_FILES
    sqlite_growth = max(0, min(after["sqlite_files"], sqlite_bound) - before["sqlite_files"])
    allowance = {
        "open_fds": sqlite_growth + report["clients"],
        "sqlite_files": sqlite_growth,
        "tcp_sockets": report["clients"],
    }
    for name in ("open_fds", "sqlite_files", "tcp_sockets", "tmux_children", "tmux_clients"):
        if after[name] > before[name] + allowance.get(name, 0):
            problems.append(
                f"{name}: {before[name]} before, {after[name]} after (allowed +{allowance.get(name, 0)})"
            )
    return problems


def main(clients: int, seconds: float, max_calls: int, max_growth_mb: float) -> int:
    def progress(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    with tmux_world() as world, hub(world) as running:
        progress(f"soak: {clients} clients for {seconds:g} s against tmuxhub pid {running.pid}")
        report = asyncio.run(soak(running, world, clients, seconds, max_calls))
    report["max_growth_mb"] = max_growth_mb
    report["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    problems = verdict(report, max_growth_mb)
    report["problems"] = problems
    print(json.dumps({k: v for k, v in report.items() if k != "rss_samples"}, indent=2))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"soak-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out.relative_to(BASE_DIR)}")
    print("soak held" if not problems else "soak FAILED:\n- " + "\n- ".join(problems))
    return 1 if problems else 0
