"""Writing the audit log without slowing calls down.

`record()` queues what the row needs and returns at once; the process's writer task waits `LINGER`
seconds after a row arrives, then makes the rows (argument digests included) and inserts whatever has
queued in one statement, off the event loop: a busy hub writes a batch a few times a second instead of a
transaction per call, and its event loop spends no time on the rows. A failed write (the database is
down or its disk full) is retried with backoff for as long as it takes: the rows wait in memory, up to
`TMUXHUB_AUDIT_BUFFER_ROWS`. Only a call recorded while that many wait is lost; the first write that
succeeds afterwards adds a row saying how many were lost and when (`LOST_TOOL`), which the admin's
audit log shows to staff. The hub's lifespan runs the writer (`running()`): it starts with the
process, and at shutdown writes what is queued, waiting at most `TMUXHUB_AUDIT_FLUSH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, NamedTuple

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, close_old_connections
from django.utils import timezone

from .context import Caller
from .models import ToolCall

logger = logging.getLogger(__name__)

LINGER = 0.05
# The tool name of the row that records a gap: calls not recorded because the buffer was full.
LOST_TOOL = "(audit rows lost)"


class _Call(NamedTuple):
    at: datetime  # when the call ended, not when its row is made
    caller: Caller
    tool: str
    arguments: Any  # the call's parsed JSON, which nothing changes afterwards
    error: str | None
    duration_ms: float

    def row(self) -> ToolCall:
        return ToolCall(
            created_at=self.at,
            user_id=self.caller.user_id,
            username=self.caller.username,
            client_id=self.caller.client_id[:255],
            tool=self.tool[:100],
            arguments_digest=digest(self.arguments),
            outcome=ToolCall.ERROR if self.error is not None else ToolCall.OK,
            error=(self.error or "")[:500],
            duration_ms=round(self.duration_ms, 3),
        )


class _Lost:
    """Calls not recorded because the buffer was full: how many, the first and last one's time. Only the
    event loop's thread touches it (`record`, `_drain`)."""

    count = 0
    first: datetime | None = None
    last: datetime | None = None

    @classmethod
    def add(cls, at: datetime) -> None:
        cls.count += 1
        cls.first = cls.first or at
        cls.last = at

    @classmethod
    def row(cls) -> ToolCall | None:
        """The row that says so, or None when nothing was lost."""
        if not cls.count or cls.first is None or cls.last is None:
            return None
        return ToolCall(
            created_at=cls.last,
            tool=LOST_TOOL,
            outcome=ToolCall.ERROR,
            error=(
                f"{cls.count} tool calls from {cls.first:%Y-%m-%d %H:%M:%S} to {cls.last:%H:%M:%S} UTC were "
                f"not recorded: the database could not be written and {settings.TMUXHUB_AUDIT_BUFFER_ROWS} "
                "rows were already waiting (TMUXHUB_AUDIT_BUFFER_ROWS)."
            )[:500],
            duration_ms=0.0,
        )

    @classmethod
    def recorded(cls, count: int) -> None:
        """A row saying `count` were lost was written; later losses (during the write) stay counted."""
        cls.count -= count
        if not cls.count:
            cls.first = cls.last = None


_queue: list[_Call] = []
_writing = 0  # rows of the batch being written: they count against the buffer too
_arrived: asyncio.Event | None = None  # set by record(); the writer, while it runs, waits on it
_stopping = False


def digest(arguments: Any) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(caller: Caller, tool: str, arguments: Any, error: str | None, duration_ms: float) -> None:
    now = timezone.now()
    if len(_queue) + _writing >= settings.TMUXHUB_AUDIT_BUFFER_ROWS:
        _Lost.add(now)
        logger.error(
            "audit log: %d rows are waiting for the database, the most TMUXHUB_AUDIT_BUFFER_ROWS allows; "
            "this call is not recorded (the audit log will say how many were lost)",
            len(_queue) + _writing,
        )
        return
    _queue.append(_Call(now, caller, tool, arguments, error, duration_ms))
    if _arrived is not None:
        _arrived.set()


def _insert(calls: list[_Call], gap: ToolCall | None = None) -> None:
    close_old_connections()  # a connection a database restart broke is replaced, not reused
    rows = [call.row() for call in calls] + ([gap] if gap is not None else [])
    try:
        ToolCall.objects.bulk_create(rows)
    except IntegrityError:
        # A user deleted since their token was checked: keep the rows, without the link.
        users = get_user_model().objects.filter(pk__in={row.user_id for row in rows})
        existing = set(users.values_list("pk", flat=True))
        for row in rows:
            if row.user_id not in existing:
                row.user_id = None
        ToolCall.objects.bulk_create(rows)


_write = sync_to_async(_insert, thread_sensitive=False)


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[None]:
    """The audit log's part of the hub's lifespan: write rows while the hub runs; at its stop, write
    what is still queued, waiting at most TMUXHUB_AUDIT_FLUSH_SECONDS (the database may be down)."""
    global _arrived, _stopping
    _arrived, _stopping = asyncio.Event(), False
    writer = asyncio.get_running_loop().create_task(_write_until_stopped(_arrived))
    if _queue:
        _arrived.set()
    try:
        yield
    finally:
        _stopping = True
        _arrived.set()
        try:
            await asyncio.wait_for(asyncio.shield(writer), timeout=settings.TMUXHUB_AUDIT_FLUSH_SECONDS)
        except TimeoutError:
            writer.cancel()
            logger.error("audit log: stopping with %d rows the database did not take", len(_queue))
        _arrived = None


async def _write_until_stopped(arrived: asyncio.Event) -> None:
    failures = 0
    while not (_stopping and not _queue):
        await arrived.wait()
        arrived.clear()
        if not _stopping:
            await asyncio.sleep(LINGER)
        if _queue:
            failures = await _write_queued(failures)
            if _queue:
                arrived.set()  # rows kept after a failure, or queued during the write


async def _write_queued(failures: int) -> int:
    """Write what has queued; the number of failed writes in a row, after this one."""
    global _writing
    batch = _queue[:]
    del _queue[: len(batch)]
    lost, gap = _Lost.count, _Lost.row()
    _writing = len(batch)
    try:
        await _write(batch, gap)
    except Exception:
        logger.warning(
            "audit log: write of %d rows failed; they are kept and tried again", len(batch), exc_info=True
        )
        _queue[:0] = batch
        _writing = 0
        await asyncio.sleep(min(0.2 * 2 ** (failures + 1), settings.TMUXHUB_AUDIT_RETRY_MAX_SECONDS))
        return failures + 1
    _writing = 0
    if gap is not None:
        _Lost.recorded(lost)
        logger.error("audit log: %s", gap.error)
    return 0


def backlog() -> tuple[int, int]:
    """This process's rows waiting for the database, and calls not recorded since the last write."""
    return len(_queue), _Lost.count
