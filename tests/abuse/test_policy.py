"""The limiter's rules and its memory store, without a server: `plan`, `decide`, `rate_key`, eviction."""

from __future__ import annotations

import asyncio
import sys

import pytest

from abuse.categories import Reason
from abuse.policy import Bearer, Lane, Limits, answer_strike, decide, decide_answered, plan, strike_ask
from abuse.store import Ask, Counts, MemoryStore
from tmuxhub.lib.netkey import _key

LIMITS = Limits(
    anon=5,
    anon_window=60,
    discovery=50,
    static=100,
    token=15,
    token_window=60,
    strike_window=600,
    ban_seconds=3600,
    thresholds={Reason.EXPLOIT: 1, Reason.NOT_FOUND: 3, Reason.AUTH_FAILURE: 3},
)
KEY = "203.0.113.9"


def counts(banned_for: float = 0.0, count: int = 1, strikes: int = 0) -> Counts:
    return Counts(banned_for=banned_for, count=count, reset_in=30.0, strikes=strikes)


def test_a_valid_token_spends_its_own_budget_and_ignores_its_ips_ban() -> None:
    request = plan("/wp-login.php", KEY, LIMITS, bearer=Bearer.VALID, token_id="t" * 64)
    assert request.lane is Lane.TOKEN and request.ask.subject == "" and not request.ask.strike
    assert request.ask.bucket == f"tok:{'t' * 64}" and request.limit == 15
    assert decide(request, counts(banned_for=3000, count=15)).allow
    over = decide(request, counts(count=16))
    assert not over.allow and over.record == "" and over.retry_after == 30.0  # refused, never recorded


def test_a_staff_session_is_trusted_like_a_token() -> None:
    request = plan("/admin/", KEY, LIMITS, bearer=Bearer.INVALID, staff_id="s" * 64)
    assert request.lane is Lane.STAFF and not request.ask.strike
    assert decide(request, counts(banned_for=3000, count=6)).allow


def test_an_exploit_path_bans_at_the_limit_and_is_recorded_as_such() -> None:
    request = plan("/.env", KEY, LIMITS, bearer=Bearer.NONE)
    assert (request.lane, request.ask.strike, request.ask.strike_limit) == (Lane.ANONYMOUS, Reason.EXPLOIT, 1)
    verdict = decide(request, counts(strikes=1))
    assert (verdict.allow, verdict.banned, verdict.record, verdict.retry_after) == (
        False,
        True,
        Reason.EXPLOIT,
        3600,
    )


def test_a_bad_bearer_strikes_and_bans_at_the_third() -> None:
    request = plan("/mcp", KEY, LIMITS, bearer=Bearer.INVALID, token_id="x" * 64)
    assert request.lane is Lane.ANONYMOUS and request.ask.strike == Reason.AUTH_FAILURE
    assert decide(request, counts(strikes=2)).allow
    assert decide(request, counts(strikes=3)).record == Reason.AUTH_FAILURE


def test_a_known_good_address_is_neither_banned_nor_struck_but_still_throttled() -> None:
    request = plan("/.env", KEY, LIMITS, bearer=Bearer.INVALID, token_id="x" * 64, known_good=True)
    assert request.lane is Lane.ANONYMOUS and request.ask.subject == "" and not request.ask.strike
    passed = decide(request, counts(banned_for=3000, count=5))
    assert passed.allow and not passed.watch_answer
    assert decide(request, counts(count=6)).record == Reason.THROTTLED


def test_banned_then_throttled_in_that_order() -> None:
    request = plan("/healthz", KEY, LIMITS, bearer=Bearer.NONE)
    banned = decide(request, counts(banned_for=10.5, count=99))
    assert (banned.allow, banned.record, banned.retry_after) == (False, Reason.BANNED, 10.5)
    throttled = decide(request, counts(count=6))
    assert (throttled.allow, throttled.record, throttled.banned) == (False, Reason.THROTTLED, False)
    passed = decide(request, counts(count=5))
    assert passed.allow and passed.watch_answer and passed.record == ""


def test_a_refusal_recalled_from_memory_is_throttled() -> None:
    request = plan("/healthz", KEY, LIMITS, bearer=Bearer.NONE)
    assert decide(request, counts(count=sys.maxsize)).record == Reason.THROTTLED


@pytest.mark.parametrize(
    ("path", "discovery", "static", "lane", "limit"),
    [
        ("/.well-known/oauth-authorization-server", True, False, Lane.DISCOVERY, 50),
        ("/static/admin/css/base.css", False, True, Lane.STATIC, 100),
        ("/healthz", False, False, Lane.ANONYMOUS, 5),
    ],
)
def test_discovery_and_static_files_have_budgets_of_their_own(
    path: str, discovery: bool, static: bool, lane: Lane, limit: int
) -> None:
    request = plan(path, KEY, LIMITS, bearer=Bearer.NONE, discovery=discovery, static=static)
    assert (request.lane, request.limit, request.ask.bucket) == (lane, limit, f"{lane}:{KEY}")
    assert not decide(request, counts(count=limit)).watch_answer or lane is Lane.ANONYMOUS


def test_a_404_bans_at_the_limit_but_is_not_a_refusal() -> None:
    assert answer_strike(404) is Reason.NOT_FOUND and answer_strike(200) is None
    ask = strike_ask(plan("/nope", KEY, LIMITS, bearer=Bearer.NONE).ask, Reason.NOT_FOUND, LIMITS)
    assert decide_answered(ask, 2).record == ""
    verdict = decide_answered(ask, 3)
    assert (verdict.allow, verdict.banned, verdict.record) == (True, True, Reason.NOT_FOUND)


def test_an_exploit_path_with_a_bad_bearer_counts_as_the_more_specific_rule() -> None:
    request = plan("/.env", KEY, LIMITS, bearer=Bearer.INVALID, token_id="x" * 64)
    assert request.ask.strike == Reason.EXPLOIT


def test_the_thresholds_the_product_uses_are_the_rules_own_settings(settings) -> None:
    settings.ABUSE_MAX_EXPLOIT, settings.ABUSE_MAX_AUTH_FAILURES, settings.ABUSE_MAX_404 = 2, 4, 9
    limits = Limits.from_settings()
    assert dict(limits.thresholds) == {Reason.EXPLOIT: 2, Reason.AUTH_FAILURE: 4, Reason.NOT_FOUND: 9}
    assert plan("/mcp", KEY, limits, bearer=Bearer.INVALID).ask.strike_limit == 4


@pytest.mark.parametrize(
    ("ip", "prefix", "key"),
    [
        ("203.0.113.9", 64, "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", 64, "2001:db8:1:2::/64"),
        ("2001:db8:1:2:aaaa::1", 48, "2001:db8:1::/48"),
        ("::ffff:198.51.100.7", 64, "198.51.100.7"),
        ("unknown", 64, "unknown"),
    ],
)
def test_ipv6_is_counted_by_its_network_and_ipv4_by_its_address(ip: str, prefix: int, key: str) -> None:
    assert _key(ip, prefix) == key


def test_a_full_memory_store_evicts_old_counters_but_never_a_ban() -> None:
    store = MemoryStore(max_keys=3)
    ban = Ask(subject="198.51.100.1", bucket="ip:x", window=60, strike=Reason.EXPLOIT, strike_window=600,
              strike_limit=1, ban_seconds=3600)  # fmt: skip

    async def run() -> Counts:
        await store.count("p", ban)
        for n in range(1000):  # a flood from many addresses fills the table
            await store.count("p", Ask(subject=f"10.0.{n // 250}.{n % 250}", bucket=f"ip:{n}", window=60))
        return await store.count("p", Ask(subject="198.51.100.1", bucket="ip:x", window=60))

    after = asyncio.run(run())
    assert len(store.counters) <= 3
    assert after.banned_for > 3500
