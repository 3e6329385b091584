"""Throttle windows, scan strikes and bans: in Redis (shared by every process and host), or in this
process's memory when there is no Redis (embedded mode) or Redis stops answering.

Windows are fixed: a counter per (subject, window number) that expires with its window. One call,
`count`, does all a request needs (read the ban, count the request in its bucket, count a strike
and ban at the strike limit) in one Redis round trip: a Lua script, so it is atomic too. Subjects
are rate keys (`tmuxhub.lib.netkey`: an IPv6 client's /64), never the raw address. The same round trip
can read one more key for the app (`read_key`: the cached entry of the request's bearer token), so
a `/mcp` call costs one Redis round trip in all, not two.

Memory is bounded: past `MAX_MEMORY_KEYS` counters the oldest go first; bans are never evicted
(they expire on their own), so no flood can buy an early end to a ban by filling the table.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_MEMORY_KEYS = 200_000


@dataclass(frozen=True)
class Ask:
    """What one request counts. `subject` "" means its IP's ban is not read (trusted credentials)."""

    subject: str
    bucket: str  # "ip:<key>", "disc:<key>", "static:<key>", "tok:<sha256>", "staff:<sha256>"
    window: int
    strike: str = ""  # the rule whose strike this request counts, "" for none
    strike_window: int = 0
    strike_limit: int = 0
    ban_seconds: int = 0


@dataclass(frozen=True)
class Counts:
    banned_for: float  # seconds left on the subject's ban (before this request), 0 when not banned
    count: int  # requests in the bucket's current window, this one included
    reset_in: float  # seconds until the bucket's window ends
    strikes: int  # the rule's strikes in its window, this one included (0 when none was counted)
    read: str | None = None  # the value at `read_key`, read in the same round trip (None: none, no Redis)


def window_key(prefix: str, subject: str, window: int, now: float) -> tuple[str, float]:
    number = int(now // window)
    return f"{prefix}:{subject}:{number}", window - (now - number * window)


def ban_key(prefix: str, subject: str) -> str:
    return f"{prefix}:ban:{subject}"


class ExpiringDict:
    """Values that expire at a given time (any clock, as long as the caller keeps to one), bounded in
    size: past `max_keys` the oldest created entry goes (in a window store, the oldest window's)."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.items: OrderedDict[str, tuple[Any, float]] = OrderedDict()
        self.max_keys = max_keys

    def get(self, key: str, now: float) -> Any:
        entry = self.items.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self.items[key]
            return None
        return entry[0]

    def expires(self, key: str) -> float:
        return self.items[key][1]

    def put(self, key: str, value: Any, until: float, now: float) -> None:
        if key not in self.items:
            while len(self.items) >= self.max_keys:
                self.items.popitem(last=False)
        self.items[key] = (value, until)

    def __len__(self) -> int:
        return len(self.items)


class MemoryStore:
    """Same contract as `RedisStore`, per process. Counts reset when the process restarts."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS) -> None:
        self.counters = ExpiringDict(max_keys)
        self.bans: dict[str, tuple[str, float]] = {}  # key -> (reason, until); never evicted early

    def _incr(self, key: str, ttl: float, now: float) -> int:
        count = int(self.counters.get(key, now) or 0) + 1
        expires = self.counters.expires(key) if count > 1 else now + ttl
        self.counters.put(key, count, expires, now)
        return count

    def _banned_for(self, key: str, now: float) -> float:
        entry = self.bans.get(key)
        if entry is None:
            return 0.0
        if entry[1] <= now:
            del self.bans[key]
            return 0.0
        return entry[1] - now

    def _ban(self, key: str, reason: str, seconds: int, now: float) -> None:
        if len(self.bans) >= MAX_MEMORY_KEYS:
            self.bans = {k: v for k, v in self.bans.items() if v[1] > now}
        self.bans[key] = (reason, now + seconds)

    async def count(self, prefix: str, ask: Ask, read_key: str = "") -> Counts:
        now = time.time()
        banned_for = self._banned_for(ban_key(prefix, ask.subject), now) if ask.subject else 0.0
        key, reset_in = window_key(f"{prefix}:rate", ask.bucket, ask.window, now)
        count = self._incr(key, reset_in, now)
        strikes = await self.strike(prefix, ask) if ask.strike else 0
        return Counts(banned_for, count, reset_in, strikes)

    async def strike(self, prefix: str, ask: Ask) -> int:
        now = time.time()
        key, reset_in = window_key(f"{prefix}:strike:{ask.strike}", ask.subject, ask.strike_window, now)
        strikes = self._incr(key, reset_in, now)
        if strikes >= ask.strike_limit:
            self._ban(ban_key(prefix, ask.subject), ask.strike, ask.ban_seconds, now)
        return strikes

    async def close(self) -> None:
        pass


# KEYS: ban, bucket, strike, read. ARGV: bucket ttl, read the ban (0/1), count the bucket (0/1),
# count a strike (0/1), strike ttl, strike limit, ban seconds, ban reason, read KEYS[4] (0/1).
COUNT_SCRIPT = """
local banned = -2
if ARGV[2] == '1' then banned = redis.call('PTTL', KEYS[1]) end
local count = 0
if ARGV[3] == '1' then
  count = redis.call('INCR', KEYS[2])
  if count == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
end
local strikes = 0
if ARGV[4] == '1' then
  strikes = redis.call('INCR', KEYS[3])
  if strikes == 1 then redis.call('EXPIRE', KEYS[3], ARGV[5]) end
  if strikes >= tonumber(ARGV[6]) then redis.call('SET', KEYS[1], ARGV[8], 'EX', ARGV[7]) end
end
local read = false
if ARGV[9] == '1' then read = redis.call('GET', KEYS[4]) end
return {banned, count, strikes, read}
"""


class RedisStore:
    """The shared store. Every call is bounded (tmuxhub/lib/redis.py); on error the limiter uses memory."""

    def __init__(self, url: str) -> None:
        from tmuxhub.lib.redis import async_client

        self.client = async_client(url, decode_responses=True)
        self.script = self.client.register_script(COUNT_SCRIPT)

    async def _run(
        self, prefix: str, ask: Ask, *, count_bucket: bool, read_key: str = ""
    ) -> tuple[int, int, int, float, str | None]:
        now = time.time()
        bucket, reset_in = window_key(f"{prefix}:rate", ask.bucket, ask.window, now)
        strike = ""
        strike_ttl = 0
        if ask.strike:
            strike, strike_reset = window_key(
                f"{prefix}:strike:{ask.strike}", ask.subject, ask.strike_window, now
            )
            strike_ttl = int(strike_reset) + 1
        answer = await self.script(
            keys=[ban_key(prefix, ask.subject), bucket, strike or bucket, read_key or bucket],
            args=[
                int(reset_in) + 1,
                int(bool(ask.subject) and count_bucket),
                int(count_bucket),
                int(bool(ask.strike)),
                strike_ttl,
                ask.strike_limit,
                ask.ban_seconds,
                ask.strike or "-",
                int(bool(read_key)),
            ],
        )
        banned, count, strikes = answer[:3]
        read = answer[3] if len(answer) > 3 else None  # a missing key ends the array early
        return int(banned), int(count), int(strikes), reset_in, read

    async def count(self, prefix: str, ask: Ask, read_key: str = "") -> Counts:
        banned_ms, count, strikes, reset_in, read = await self._run(
            prefix, ask, count_bucket=True, read_key=read_key
        )
        return Counts(banned_ms / 1000 if banned_ms > 0 else 0.0, count, reset_in, strikes, read)

    async def strike(self, prefix: str, ask: Ask) -> int:
        return (await self._run(prefix, ask, count_bucket=False))[2]

    async def close(self) -> None:
        await self.client.aclose()


def key_prefix() -> str:
    from django.conf import settings

    return f"{settings.TMUXHUB_INSTANCE}:abuse"


def lift_ban(ip: str) -> None:
    """Called when the admin allow-lists an IP: end the ban on its rate key (an IPv6 address's /64)
    everywhere now. Dismissing does not lift a ban: it only keeps the offender from being reported.
    Without Redis the ban lives in each web process's memory and ends when it expires."""
    from django.conf import settings

    from tmuxhub.lib.netkey import rate_key

    if not settings.REDIS_URL:
        return
    import redis

    from tmuxhub.lib.redis import client

    try:
        client().delete(ban_key(key_prefix(), rate_key(ip)))
    except redis.RedisError:
        log.warning("could not lift the ban on %s: Redis did not answer; it expires on its own", ip)
