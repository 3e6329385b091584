"""The rate limiter's rules, as pure functions: which budget a request spends, what it counts, and
what the counts mean. No I/O here: `limiter.py` counts, `middleware.py` answers.

- A request with a valid bearer token spends its token's budget; one with a staff session its
  session's. Neither is ever refused for its IP's ban or anonymous budget, nor recorded.
- Anything else is anonymous and spends its IP's budget (IPv6: its /64): discovery documents and
  static files have budgets of their own (Claude probes the first; a page loads many of the second).
- Scanning signals are strikes: an exploit path, a bad bearer token, and (after the answer) a 404.
  At a rule's limit within the strike window the IP is banned for `ABUSE_BAN_SECONDS`; each
  further strike extends the ban. Discovery and static requests never strike for a 404.
- A known-good address (one that showed a valid token or staff session lately, `knowngood.py`) is
  never banned nor struck: only its anonymous budget applies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .categories import Reason, is_exploit_path
from .store import Ask, Counts


class Lane(enum.StrEnum):
    """Whose budget a request spends; the value prefixes the bucket key."""

    TOKEN = "tok"  # noqa: S105 (a key prefix, not a secret)
    STAFF = "staff"
    ANONYMOUS = "ip"
    DISCOVERY = "disc"
    STATIC = "static"

    @property
    def trusted(self) -> bool:
        return self in (Lane.TOKEN, Lane.STAFF)


class Bearer(enum.Enum):
    NONE = "none"
    VALID = "valid"
    INVALID = "invalid"


@dataclass(frozen=True)
class Limits:
    anon: int
    anon_window: int
    discovery: int
    static: int
    token: int
    token_window: int
    max_exploit: int
    max_404: int
    max_auth_failures: int
    strike_window: int
    ban_seconds: int

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            anon=settings.ABUSE_ANON_LIMIT,
            anon_window=settings.ABUSE_ANON_WINDOW,
            discovery=settings.ABUSE_DISCOVERY_LIMIT,
            static=settings.ABUSE_STATIC_LIMIT,
            token=settings.ABUSE_TOKEN_LIMIT,
            token_window=settings.ABUSE_TOKEN_WINDOW,
            max_exploit=settings.ABUSE_MAX_EXPLOIT,
            max_404=settings.ABUSE_MAX_404,
            max_auth_failures=settings.ABUSE_MAX_AUTH_FAILURES,
            strike_window=settings.ABUSE_STRIKE_WINDOW,
            ban_seconds=settings.ABUSE_BAN_SECONDS,
        )

    def budget(self, lane: Lane) -> tuple[int, int]:
        """(requests, window seconds) of a lane."""
        return {
            Lane.TOKEN: (self.token, self.token_window),
            Lane.STAFF: (self.token, self.token_window),
            Lane.ANONYMOUS: (self.anon, self.anon_window),
            Lane.DISCOVERY: (self.discovery, self.anon_window),
            Lane.STATIC: (self.static, self.anon_window),
        }[lane]

    def strike_limit(self, rule: str) -> int:
        limits: dict[str, int] = {
            Reason.EXPLOIT: self.max_exploit,
            Reason.AUTH_FAILURE: self.max_auth_failures,
            Reason.NOT_FOUND: self.max_404,
        }
        return limits[rule]


@dataclass(frozen=True)
class Plan:
    """What the limiter counts for one request, and against which limit."""

    lane: Lane
    ask: Ask
    limit: int


def plan(
    path: str,
    rate_key: str,
    limits: Limits,
    *,
    bearer: Bearer,
    token_id: str = "",
    staff_id: str = "",
    discovery: bool = False,
    static: bool = False,
    known_good: bool = False,
) -> Plan:
    """The lane and counts of a request. `token_id`/`staff_id`: hashes of a valid credential;
    `known_good`: the address showed one lately, so it is neither banned nor struck (a stranger's
    cross-site request or junk connector must not lock the owner, or Claude's egress, out of logging
    in or refreshing tokens); its anonymous requests still spend the anonymous budget."""
    if bearer is Bearer.VALID and token_id:
        lane, subject = Lane.TOKEN, token_id
    elif staff_id:
        lane, subject = Lane.STAFF, staff_id
    elif discovery:
        lane, subject = Lane.DISCOVERY, rate_key
    elif static:
        lane, subject = Lane.STATIC, rate_key
    else:
        lane, subject = Lane.ANONYMOUS, rate_key
    limit, window = limits.budget(lane)
    scans = not lane.trusted and not known_good  # its ban is read, its scanning struck
    ask = Ask(subject=rate_key if scans else "", bucket=f"{lane}:{subject}", window=window)
    strike = ""
    if scans and lane is not Lane.DISCOVERY:
        if is_exploit_path(path):
            strike = Reason.EXPLOIT
        elif bearer is Bearer.INVALID:
            strike = Reason.AUTH_FAILURE
    if strike:
        ask = strike_ask(ask, strike, limits)
    return Plan(lane, ask, limit)


def strike_ask(ask: Ask, rule: str, limits: Limits) -> Ask:
    return Ask(
        subject=ask.subject,
        bucket=ask.bucket,
        window=ask.window,
        strike=rule,
        strike_window=limits.strike_window,
        strike_limit=limits.strike_limit(rule),
        ban_seconds=limits.ban_seconds,
    )


@dataclass(frozen=True)
class Verdict:
    allow: bool
    retry_after: float = 0.0
    record: str = ""  # the Reason to record this request under; "" records nothing
    banned: bool = False  # refused because the IP is (or just became) banned
    watch_404: bool = False  # a 404 answer counts as a scanning strike


def decide(plan: Plan, counts: Counts) -> Verdict:
    """What to do with a request, given what the limiter counted for it."""
    lane, ask, limit = plan.lane, plan.ask, plan.limit
    if lane.trusted:
        if counts.count > limit:
            return Verdict(False, counts.reset_in)
        return Verdict(True)
    if ask.strike and counts.strikes >= ask.strike_limit:
        return Verdict(False, ask.ban_seconds, record=ask.strike, banned=True)
    if ask.subject and counts.banned_for > 0:
        return Verdict(False, counts.banned_for, record=Reason.BANNED, banned=True)
    if counts.count > limit:
        return Verdict(False, counts.reset_in, record=Reason.THROTTLED)
    return Verdict(True, watch_404=lane is Lane.ANONYMOUS and bool(ask.subject))


def decide_404(ask: Ask, strikes: int) -> Verdict:
    """After a 404 answer was counted as a strike: at the limit the IP is banned (the 404 itself was
    answered, so it is recorded as evidence, not as a refusal)."""
    if strikes >= ask.strike_limit:
        return Verdict(True, ask.ban_seconds, record=Reason.NOT_FOUND, banned=True)
    return Verdict(True)
