"""The rate limiter's rules, as pure functions: which budget a request spends, what it counts, and
what the counts mean. No I/O here: `limiter.py` counts, `middleware.py` answers.

- A request with a valid bearer token spends its token's budget; one with a staff session its
  session's. Neither is ever refused for its IP's ban or anonymous budget, nor recorded.
- Anything else is anonymous and spends its IP's budget (IPv6: its /64): discovery documents and
  static files have budgets of their own (Claude probes the first; a page loads many of the second).
- Scanning signals are strikes: an exploit path, a bad bearer token, and (after the answer) a 404,
  each the `Signal` of a scanning `Reason` (`categories.py` declares the rules, their thresholds and
  signals; this module only reads them). At a rule's threshold within the strike window the IP is
  banned for `ABUSE_BAN_SECONDS`; each further strike extends the ban. Discovery and static
  requests never strike for a 404.
- A known-good address (one that showed a valid token or staff session lately, `knowngood.py`) is
  never banned nor struck: only its anonymous budget applies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from .categories import Reason, Signal, is_exploit_path
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
    strike_window: int
    ban_seconds: int
    thresholds: Mapping[Reason, int]  # strikes that ban, per scanning rule (`Reason.threshold`)

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
            strike_window=settings.ABUSE_STRIKE_WINDOW,
            ban_seconds=settings.ABUSE_BAN_SECONDS,
            thresholds={rule: rule.threshold or 0 for rule in Reason.strikes()},
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


def request_strike(path: str, bearer: Bearer) -> Reason | None:
    """The most specific scanning rule a request shows before it is answered, if any."""
    shown = {Signal.EXPLOIT_PATH: is_exploit_path(path), Signal.BAD_BEARER: bearer is Bearer.INVALID}
    return next((rule for rule in Reason.strikes() if shown.get(rule.signal)), None)


def answer_strike(status: int) -> Reason | None:
    """The scanning rule an answer shows (for a request whose verdict said to watch its answer)."""
    shown = {Signal.NOT_FOUND_ANSWER: status == 404}
    return next((rule for rule in Reason.strikes() if shown.get(rule.signal)), None)


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
    strike = request_strike(path, bearer) if scans and lane is not Lane.DISCOVERY else None
    if strike:
        ask = strike_ask(ask, strike, limits)
    return Plan(lane, ask, limit)


def strike_ask(ask: Ask, rule: Reason, limits: Limits) -> Ask:
    return Ask(
        subject=ask.subject,
        bucket=ask.bucket,
        window=ask.window,
        strike=rule,
        strike_window=limits.strike_window,
        strike_limit=limits.thresholds[rule],
        ban_seconds=limits.ban_seconds,
    )


@dataclass(frozen=True)
class Verdict:
    allow: bool
    retry_after: float = 0.0
    record: str = ""  # the Reason to record this request under; "" records nothing
    banned: bool = False  # refused because the IP is (or just became) banned
    watch_answer: bool = False  # the answer may show a scanning strike (`answer_strike`)


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
    return Verdict(True, watch_answer=lane is Lane.ANONYMOUS and bool(ask.subject))


def decide_answered(ask: Ask, strikes: int) -> Verdict:
    """After an answer's strike was counted: at the threshold the IP is banned (the request itself
    was answered, so it is recorded as evidence, not as a refusal)."""
    if strikes >= ask.strike_limit:
        return Verdict(True, ask.ban_seconds, record=ask.strike, banned=True)
    return Verdict(True)
