"""Writing the audit log without slowing calls down.

`record()` queues what the row needs and returns at once; one writer task per process waits `LINGER`
seconds, then makes the rows (argument digests included) and inserts whatever has queued in one
statement, off the event loop: a busy hub writes a batch a few times a second instead of a
transaction per call, and its event loop spends no time on the rows. A failed write (the database is
down or its disk full) is retried with backoff for as long as it takes: the rows wait in memory, up to
`TMUXHUB_AUDIT_BUFFER_ROWS`. Only a call recorded while that many wait is lost; the first write that
succeeds afterwards adds a row saying how many were lost and when (`LOST_TOOL`), which the admin's
audit log shows to staff. `flush()` (run at shutdown) waits for the queue to empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
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
_writer: asyncio.Task[None] | None = None


def digest(arguments: Any) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(caller: Caller, tool: str, arguments: Any, error: str | None, duration_ms: float) -> None:
    global _writer
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
    if _writer is None or _writer.done():
        _writer = asyncio.get_running_loop().create_task(_drain())


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


async def _drain() -> None:
    global _writing
    failures = 0
    while _queue:
        await asyncio.sleep(LINGER)
        batch = _queue[:]
        del _queue[: len(batch)]
        lost, gap = _Lost.count, _Lost.row()
        _writing = len(batch)
        try:
            await _write(batch, gap)
            _writing = failures = 0
            if gap is not None:
                _Lost.recorded(lost)
                logger.error("audit log: %s", gap.error)
        except Exception:
            failures += 1
            logger.warning(
                "audit log: write of %d rows failed; they are kept and tried again", len(batch), exc_info=True
            )
            _queue[:0] = batch
            _writing = 0
            await asyncio.sleep(min(0.2 * 2**failures, settings.TMUXHUB_AUDIT_RETRY_MAX_SECONDS))


def backlog() -> tuple[int, int]:
    """This process's rows waiting for the database, and calls not recorded since the last write."""
    return len(_queue), _Lost.count


async def flush() -> None:
    """Wait until every queued row is written (at shutdown), at most TMUXHUB_AUDIT_FLUSH_SECONDS: with
    the database down, a stop must not wait for it."""
    if _writer is None or _writer.done():
        return
    try:
        await asyncio.wait_for(asyncio.shield(_writer), timeout=settings.TMUXHUB_AUDIT_FLUSH_SECONDS)
    except TimeoutError:
        logger.error("audit log: stopping with %d rows the database did not take", len(_queue))
