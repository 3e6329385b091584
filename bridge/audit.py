"""Writing the audit log without slowing calls down.

`record()` queues what the row needs and returns at once; one writer task per process waits `LINGER`
seconds, then makes the rows (argument digests included) and inserts whatever has queued in one
statement, off the event loop: a busy hub writes a batch a few times a second instead of a
transaction per call, and its event loop spends no time on the rows. A failed write is retried;
`flush()` (run at shutdown) waits for the queue to empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime
from typing import Any, NamedTuple

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.db import IntegrityError, close_old_connections
from django.utils import timezone

from .context import Caller
from .models import ToolCall

logger = logging.getLogger(__name__)

RETRIES = 5
LINGER = 0.05


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


_queue: list[_Call] = []
_writer: asyncio.Task[None] | None = None


def digest(arguments: Any) -> str:
    canonical = json.dumps(arguments, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(caller: Caller, tool: str, arguments: Any, error: str | None, duration_ms: float) -> None:
    global _writer
    _queue.append(_Call(timezone.now(), caller, tool, arguments, error, duration_ms))
    if _writer is None or _writer.done():
        _writer = asyncio.get_running_loop().create_task(_drain())


def _insert(calls: list[_Call]) -> None:
    close_old_connections()  # a connection a database restart broke is replaced, not reused
    rows = [call.row() for call in calls]
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
    failures = 0
    while _queue:
        await asyncio.sleep(LINGER)
        batch = _queue[:]
        del _queue[: len(batch)]
        try:
            await _write(batch)
            failures = 0
        except Exception:
            failures += 1
            if failures > RETRIES:
                logger.exception("audit log: dropped %d rows after %d failed writes", len(batch), failures)
                failures = 0
                continue
            logger.warning("audit log: write of %d rows failed; retrying", len(batch), exc_info=True)
            _queue[:0] = batch
            await asyncio.sleep(0.2 * 2**failures)


async def flush() -> None:
    """Wait until every queued row is written (at shutdown)."""
    if _writer is not None and not _writer.done():
        await _writer
