"""Known-good addresses: those that presented a valid bearer token or a staff session recently.

Anyone can make a browser or a shared egress address (Claude's connector traffic comes from
Anthropic's) hit an exploit path or send a junk token, so evidence against such an address proves
nothing. The rate limiter notes each trusted request's rate key here (a dict lookup on the request
path; the recorder's writer, which the hub's lifespan starts and stops, writes it in the background,
at most once per key per `REFRESH_SECONDS`). It then
never bans nor strikes a known-good address (`policy.plan`; other processes learn it from the
database within `ABUSE_ALLOWLIST_REFRESH_SECONDS`), and the pipeline asks before staging or reporting:

- `staging_refusal`: known good, or fewer than `ABUSE_STAGE_MIN_REQUESTS` recorded requests (one
  cross-site `<img src="/.env">` is one request): the offender stays pending, unreported.
- `report_refusal`: known good: never sent, whoever asks.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from tmuxhub.lib.netkey import rate_key

from .collector import run_in_db_thread
from .models import KnownGood

if TYPE_CHECKING:
    from .models import Offender

log = logging.getLogger(__name__)

REFRESH_SECONDS = 3600.0
MAX_NOTED = 100_000


class KnownGoodRecorder:
    """Per web process: remembers which keys it wrote lately, writes new ones in the background."""

    def __init__(self) -> None:
        self.noted: dict[str, float] = {}  # rate key -> when last queued (monotonic)
        self.pending: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        self._noted = asyncio.Event()
        self._closing = False

    def __contains__(self, key: str) -> bool:
        """Seen with trusted credentials by this process lately (before the database says so)."""
        seen = self.noted.get(key)
        return seen is not None and time.monotonic() - seen < settings.ABUSE_KNOWN_GOOD_DAYS * 86400

    def saw(self, key: str) -> None:
        now = time.monotonic()
        last = self.noted.get(key)
        if last is not None and now - last < REFRESH_SECONDS:
            return
        if len(self.noted) >= MAX_NOTED:
            self.noted.clear()
        self.noted[key] = now
        self.pending.add(key)
        self._noted.set()

    def start(self) -> None:
        """Start writing what is noted (once, at the hub's start)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while not self._closing:
            await self._noted.wait()
            self._noted.clear()
            await self.flush()

    async def flush(self) -> None:
        while self.pending:
            batch, self.pending = self.pending, set()
            try:
                await run_in_db_thread(write, batch)
            except DatabaseError:
                log.warning("known-good addresses: could not write %d; trying again later", len(batch))
                for key in batch:  # noted again by their next request
                    self.noted.pop(key, None)
                return

    async def close(self) -> None:
        self._closing = True
        self._noted.set()
        if self._task is not None:
            await self._task
        await self.flush()


def write(keys: set[str]) -> None:
    close_old_connections()
    now = timezone.now()
    KnownGood.objects.bulk_create(
        [KnownGood(network=key, last_seen=now) for key in sorted(keys)],
        update_conflicts=True,
        unique_fields=["network"],
        update_fields=["last_seen"],
    )


def _since() -> datetime:
    return timezone.now() - timedelta(days=settings.ABUSE_KNOWN_GOOD_DAYS)


def is_known_good(ip: str) -> bool:
    return KnownGood.objects.filter(network=rate_key(ip), last_seen__gte=_since()).exists()


def recent_networks() -> frozenset[str]:
    """Every known-good key (a short list: the owner's addresses, their clients' egress)."""
    return frozenset(KnownGood.objects.filter(last_seen__gte=_since()).values_list("network", flat=True))


KNOWN_GOOD = (
    "known good: it presented a valid token or staff session within ABUSE_KNOWN_GOOD_DAYS, "
    "so its traffic may have been caused by someone else; it is never reported"
)


def report_refusal(offender: Offender) -> str | None:
    return f"{offender.ip} is {KNOWN_GOOD}." if is_known_good(offender.ip) else None


def staging_refusal(offender: Offender) -> str | None:
    """Why the offender is not staged (it stays pending), or None to stage it."""
    if is_known_good(offender.ip):
        return f"not staged: {KNOWN_GOOD}"
    recorded = sum(offender.reason_counts().values())
    if recorded < settings.ABUSE_STAGE_MIN_REQUESTS:
        return (
            f"not staged: {recorded} recorded request(s), staging needs {settings.ABUSE_STAGE_MIN_REQUESTS}"
        )
    return None
