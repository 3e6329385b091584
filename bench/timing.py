"""Bounded timing loops (a call budget and a time budget, whichever ends first) and their summary."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Budget:
    calls: int
    seconds: float
    warmup: int


@dataclass
class Result:
    case: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0
    note: str = ""
    first_error: str = ""
    client_cpu_ms: float = math.nan  # CPU of this (the client's) process per call
    server_cpu_ms: float = math.nan  # CPU of the server's process per call, where its pid is known
    comparable: bool = True  # reads the pane like the floor does: its p50 gets a ratio to the floor
    # The machine's 1-minute load average when the case ended: other work inflates every figure.
    load: float = field(default_factory=lambda: os.getloadavg()[0])

    @property
    def calls(self) -> int:
        return len(self.latencies_ms)

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the call latencies, in ms (nan without calls)."""
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else math.nan

    def as_dict(self) -> dict[str, object]:
        return {
            "case": self.case,
            "clients": self.clients,
            "calls": self.calls,
            "errors": self.errors,
            "p50_ms": round(self.p50, 3),
            "p95_ms": round(self.p95, 3),
            "calls_per_s": round(self.per_second, 1),
            "seconds": round(self.seconds, 3),
            "client_cpu_ms_per_call": round(self.client_cpu_ms, 3),
            "server_cpu_ms_per_call": round(self.server_cpu_ms, 3),
            "load_average": round(self.load, 2),
            "note": self.note,
            "first_error": self.first_error,
        }


def process_cpu_ms(pid: int) -> float:
    """User + system CPU a process and its finished children (the `tmux` commands it ran) have used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) * 1000 / os.sysconf("SC_CLK_TCK")


def measure_sync(case: str, call: Callable[[], object], budget: Budget, note: str = "") -> Result:
    for _ in range(budget.warmup):
        call()
    result = Result(case=case, clients=1, note=note)
    cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + budget.seconds
    while result.calls < budget.calls:
        before = time.perf_counter()
        call()
        after = time.perf_counter()
        result.latencies_ms.append((after - before) * 1000)
        if after > deadline:
            break
    result.seconds = time.perf_counter() - started
    result.client_cpu_ms = (time.process_time() - cpu) * 1000 / max(1, result.calls)
    result.load = os.getloadavg()[0]
    return result


async def measure_async(
    case: str,
    calls: Sequence[Callable[[], Awaitable[object]]],
    budget: Budget,
    note: str = "",
    server_pid: int | None = None,
) -> Result:
    """Run `len(calls)` clients at once, each calling its own function in a loop, until the budget
    is spent; a failing call is counted and the loop goes on."""
    result = Result(case=case, clients=len(calls), note=note)
    for call in calls:
        for _ in range(max(1, budget.warmup // len(calls))):
            await call()
    cpu = time.process_time()
    server_cpu = process_cpu_ms(server_pid) if server_pid else math.nan
    started = time.perf_counter()
    deadline = started + budget.seconds
    remaining = budget.calls

    async def client(call: Callable[[], Awaitable[object]]) -> None:
        nonlocal remaining
        while remaining > 0 and time.perf_counter() < deadline:
            remaining -= 1
            before = time.perf_counter()
            try:
                await call()
            except Exception as exc:
                result.errors += 1
                result.first_error = result.first_error or f"{type(exc).__name__}: {exc}"[:300]
                continue
            result.latencies_ms.append((time.perf_counter() - before) * 1000)

    await asyncio.gather(*(client(call) for call in calls))
    result.seconds = time.perf_counter() - started
    done = max(1, result.calls + result.errors)
    result.client_cpu_ms = (time.process_time() - cpu) * 1000 / done
    if server_pid:
        result.server_cpu_ms = (process_cpu_ms(server_pid) - server_cpu) / done
    result.load = os.getloadavg()[0]
    return result


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def table(results: Sequence[Result], floor: Result | None) -> str:
    """A Markdown table: one row per case and client count, with p50 as a multiple of the floor."""
    header = (
        "| case | clients | p50 ms | p95 ms | calls/s | errors | p50 ÷ raw subprocess "
        "| CPU ms/call: client | server | load |"
    )
    lines = [header, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        ratio = "—"
        if floor is not None and floor.calls and r.calls and r.comparable:
            ratio = f"{r.p50 / floor.p50:.2f}x"
        per_second = "—" if math.isnan(r.per_second) else f"{r.per_second:,.0f}"
        lines.append(
            f"| {r.case} | {r.clients} | {_ms(r.p50)} | {_ms(r.p95)} | {per_second} | {r.errors} | {ratio} "
            f"| {_ms(r.client_cpu_ms)} | {_ms(r.server_cpu_ms)} | {r.load:.1f} |"
        )
    return "\n".join(lines)
