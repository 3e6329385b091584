"""Counts every refused (or ban-triggering) request in memory and writes them to the database in batches.

A flood must not cost one SQL transaction per hit: the middleware calls `record()` (a dict update),
and a background task flushes every `ABUSE_FLUSH_SECONDS` with a handful of statements per batch.
Counts are exact; request samples are bounded per flush and per offender. A failed flush keeps its
batch for the next one. The hub's lifespan starts the flusher (`start()`) and, at shutdown, flushes
what is left (`close()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone

from .categories import Reason
from .models import Offender, ReasonCount, RefusalDay, RequestSample

log = logging.getLogger(__name__)

T = TypeVar("T")
CHUNK = 100
SHUTDOWN_FLUSH_ATTEMPTS = 5


@dataclass
class Sample:
    at: datetime
    method: str
    path: str
    user_agent: str
    reason: str


@dataclass
class Tally:
    first_at: datetime
    last_at: datetime
    refused: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    samples: list[Sample] = field(default_factory=list)

    def merge(self, other: Tally, sample_cap: int) -> None:
        self.first_at = min(self.first_at, other.first_at)
        self.last_at = max(self.last_at, other.last_at)
        self.refused += other.refused
        self.reasons.update(other.reasons)
        self.samples = (other.samples + self.samples)[:sample_cap]


class Collector:
    def __init__(self) -> None:
        self.pending: dict[str, Tally] = {}
        self.samples_per_flush = settings.ABUSE_SAMPLES_PER_FLUSH
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._closing = False

    def record(self, ip: str, method: str, path: str, user_agent: str, reason: str, refused: bool) -> None:
        """Count one event; `refused` means it was answered 429."""
        now = timezone.now()
        tally = self.pending.get(ip)
        if tally is None:
            tally = self.pending[ip] = Tally(first_at=now, last_at=now)
        tally.last_at = now
        tally.refused += refused
        tally.reasons[reason] += 1
        # Ban triggers are the best evidence: always keep them, even when the flush's quota is used.
        if len(tally.samples) < self.samples_per_flush or reason not in (Reason.THROTTLED, Reason.BANNED):
            tally.samples.append(Sample(now, method[:16], path[:512], user_agent[:256], reason))
        if len(self.pending) >= settings.ABUSE_MAX_BUFFERED_IPS:
            self._wake.set()

    def start(self) -> None:
        """Start flushing every ABUSE_FLUSH_SECONDS (once, at the hub's start)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=settings.ABUSE_FLUSH_SECONDS)
            self._wake.clear()
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            batch, self.pending = self.pending, {}
            if not batch:
                return
            try:
                await run_in_db_thread(write_batch, batch)
            except Exception:
                log.exception(
                    "abuse collector: could not write %d offenders; keeping them for the next flush",
                    len(batch),
                )
                for ip, tally in batch.items():
                    if ip in self.pending:
                        tally.merge(self.pending[ip], settings.ABUSE_SAMPLES_PER_OFFENDER)
                    self.pending[ip] = tally

    async def close(self) -> None:
        """Stop the flusher and write everything still counted (ASGI lifespan shutdown).

        The flusher is not cancelled: a write already handed to the DB thread could not be stopped
        anyway, and cancelling the wait for it would let the process exit before it finished."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        # The database may be briefly unavailable (restarting, out of connections): try a few times.
        for attempt in range(SHUTDOWN_FLUSH_ATTEMPTS):
            await self.flush()
            if not self.pending:
                return
            await asyncio.sleep(0.2 * 2**attempt)
        log.error("abuse collector: %d offenders' counts could not be written at shutdown", len(self.pending))


def run_in_db_thread(function: Callable[..., T], *args: Any) -> Awaitable[T]:
    """Run ORM work on the one thread the abuse middleware uses: one DB connection per process."""
    return asyncio.get_running_loop().run_in_executor(_db_thread, function, *args)


_db_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="abuse-db")


def write_batch(batch: dict[str, Tally]) -> None:
    """All or nothing: a batch that fails is retried whole, so no count is written twice."""
    close_old_connections()
    try:
        ips = list(batch)
        with transaction.atomic():
            for start in range(0, len(ips), CHUNK):
                _write_chunk({ip: batch[ip] for ip in ips[start : start + CHUNK]})
    finally:
        close_old_connections()


def _write_chunk(chunk: dict[str, Tally]) -> None:
    cap = settings.ABUSE_SAMPLES_PER_OFFENDER
    Offender.objects.bulk_create(
        [
            Offender(ip=ip, first_seen=t.first_at, last_seen=t.last_at, status=Offender.initial_status(ip))
            for ip, t in chunk.items()
        ],
        ignore_conflicts=True,
    )
    rows = {
        row["ip"]: row
        for row in Offender.objects.select_for_update()
        .filter(ip__in=list(chunk))
        .values("id", "ip", "sample_count")
    }

    def per_ip(values: Mapping[str, object]) -> Case:
        return Case(*(When(ip=ip, then=Value(v)) for ip, v in values.items()), default=Value(0))

    updates: dict[str, object] = {
        "hits": F("hits") + per_ip({ip: t.refused for ip, t in chunk.items()}),
        "last_seen": Greatest(
            F("last_seen"),
            Case(*(When(ip=ip, then=Value(t.last_at)) for ip, t in chunk.items()), default=F("last_seen")),
        ),
        # New abuse after a report or a dismissal starts a new cycle.
        "status": Case(
            When(
                status__in=(Offender.Status.REPORTED, Offender.Status.DISMISSED),
                then=Value(Offender.Status.PENDING),
            ),
            default=F("status"),
        ),
    }
    # The offenders' rows are locked (above): no other flush adds to their counts in between.
    ReasonCount.add(
        {(rows[ip]["id"], reason): n for ip, tally in chunk.items() for reason, n in tally.reasons.items()}
    )

    samples = []
    kept: dict[str, int] = {}
    for ip, tally in chunk.items():
        room = max(0, cap - rows[ip]["sample_count"])
        for sample in tally.samples[:room]:
            samples.append(RequestSample(offender_id=rows[ip]["id"], **sample.__dict__))
        kept[ip] = min(room, len(tally.samples))
    if any(kept.values()):
        updates["sample_count"] = F("sample_count") + per_ip({ip: n for ip, n in kept.items() if n})
    Offender.objects.filter(ip__in=list(chunk)).update(**updates)
    RequestSample.objects.bulk_create(samples)
    refused_by_day: Counter[date] = Counter()
    for tally in chunk.values():
        refused_by_day[tally.last_at.date()] += tally.refused
    RefusalDay.add(refused_by_day)
