"""Bounded timing loops (a call budget and a time budget, whichever ends first) and their summary."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field


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
            "note": self.note,
            "first_error": self.first_error,
        }


def measure_sync(case: str, call: Callable[[], object], budget: Budget, note: str = "") -> Result:
    for _ in range(budget.warmup):
        call()
    result = Result(case=case, clients=1, note=note)
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
    return result


async def measure_async(
    case: str, calls: Sequence[Callable[[], Awaitable[object]]], budget: Budget, note: str = ""
) -> Result:
    """Run `len(calls)` clients at once, each calling its own function in a loop, until the budget
    is spent; a failing call is counted and the loop goes on."""
    result = Result(case=case, clients=len(calls), note=note)
    for call in calls:
        for _ in range(max(1, budget.warmup // len(calls))):
            await call()
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
    return result


def _ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}"


def table(results: Sequence[Result], floor: Result | None) -> str:
    """A Markdown table: one row per case and client count, with p50 as a multiple of the floor."""
    header = "| case | clients | p50 ms | p95 ms | calls/s | errors | p50 ÷ raw subprocess |"
    lines = [header, "|---|--:|--:|--:|--:|--:|--:|"]
    for r in results:
        ratio = "—"
        if floor is not None and floor.calls and r.calls:
            ratio = f"{r.p50 / floor.p50:.2f}x"
        per_second = "—" if math.isnan(r.per_second) else f"{r.per_second:,.0f}"
        lines.append(
            f"| {r.case} | {r.clients} | {_ms(r.p50)} | {_ms(r.p95)} | {per_second} | {r.errors} | {ratio} |"
        )
    return "\n".join(lines)
