"""The rate limiter in front of the whole hub, through a real uvicorn and the real Redis."""

from __future__ import annotations

import time

import pytest

from abuse.models import Offender
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_429_with_retry_after_past_the_anonymous_limit(limited_hub, new_ip) -> None:
    ip = new_ip()
    statuses = [get(limited_hub, "/healthz", ip).status_code for _ in range(5)]
    refused = get(limited_hub, "/healthz", ip)
    assert 429 not in statuses
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    offender = wait_until(lambda: Offender.objects.filter(ip=ip, hits=1).first())
    assert offender is not None and offender.reason_counts() == {"throttled": 1}
    sample = offender.samples.get()
    assert (sample.method, sample.path, sample.user_agent, sample.reason) == (
        "GET",
        "/healthz",
        "abuse-test",
        "throttled",
    )


def test_a_spoofed_header_from_an_untrusted_peer_is_not_believed(limited_hub, new_ip) -> None:
    # Only 127.0.0.1 is a trusted proxy; this client connects from another loopback address.
    peer = f"127.0.{time.time_ns() % 250 + 1}.{time.time_ns() // 7 % 250 + 1}"
    # Rotating the claimed address does not reset the limit: the socket peer is the client.
    answers = [get(limited_hub, "/healthz", new_ip(), peer=peer).status_code for _ in range(6)]
    assert answers[:5].count(429) == 0 and answers[5] == 429
    assert wait_until(lambda: Offender.objects.filter(ip=peer, hits=1).exists())


def test_one_404_does_not_ban_but_scanning_does_and_the_ban_expires(limited_hub, new_ip) -> None:
    ip = new_ip()
    assert get(limited_hub, "/no-such-page", ip).status_code == 404
    assert get(limited_hub, "/healthz", ip).status_code != 429
    assert get(limited_hub, "/no-such-page-2", ip).status_code == 404
    assert get(limited_hub, "/no-such-page-3", ip).status_code == 404  # the third 404 bans
    banned = get(limited_hub, "/healthz", ip)
    assert banned.status_code == 429 and int(banned.headers["Retry-After"]) <= 3
    time.sleep(3.2)
    assert get(limited_hub, "/healthz", ip).status_code != 429
    offender = wait_until(lambda: Offender.objects.filter(ip=ip, reason_rows__reason="banned").first())
    assert offender is not None and offender.hits == 1  # the 404s were answered, only one 429
    assert offender.reason_counts() == {"not_found": 1, "banned": 1}


def test_an_exploit_path_bans_at_once(limited_hub, new_ip) -> None:
    ip = new_ip()
    assert get(limited_hub, "/wp-login.php", ip).status_code == 429
    assert get(limited_hub, "/healthz", ip).status_code == 429
    offender = wait_until(lambda: Offender.objects.filter(ip=ip, hits=2).first())
    assert offender is not None and offender.reason_counts() == {"exploit": 1, "banned": 1}
    assert "/wp-login.php" in set(offender.samples.values_list("path", flat=True))


def test_discovery_probes_never_count_against_a_client(limited_hub, new_ip) -> None:
    ip = new_ip()
    paths = [
        "/.well-known/oauth-protected-resource/mcp",
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ]
    answers = [get(limited_hub, path, ip).status_code for _ in range(10) for path in paths]
    assert 429 not in answers
    assert get(limited_hub, "/healthz", ip).status_code != 429
    assert not Offender.objects.filter(ip=ip).exists()
    # Even a client over its anonymous limit can still discover how to log in.
    assert [get(limited_hub, "/healthz", ip).status_code for _ in range(5)][-1] == 429
    assert get(limited_hub, paths[0], ip).status_code == 200


def test_any_bearer_header_does_not_whitelist_and_bad_ones_are_auth_failures(limited_hub, new_ip) -> None:
    ip = new_ip()
    assert get(limited_hub, "/.env", ip).status_code == 429  # banned
    assert get(limited_hub, "/healthz", ip, token="made-up").status_code == 429

    scanner = new_ip()
    answers = [get(limited_hub, "/mcp", scanner, token=f"guess-{n}").status_code for n in range(4)]
    assert answers == [401, 401, 429, 429]  # the third failure bans, and each further one extends it
    assert get(limited_hub, "/healthz", scanner).status_code == 429
    offender = wait_until(lambda: Offender.objects.filter(ip=scanner, hits=3).first())
    assert offender is not None and offender.reason_counts() == {"auth_failure": 2, "banned": 1}


def test_a_valid_token_is_throttled_per_token_not_banned_by_its_ips_noise(
    limited_hub, new_ip, make_user, make_token
) -> None:
    token = make_token(make_user("tokenuser"), resource=limited_hub.mcp_url)
    ip = new_ip()
    assert get(limited_hub, "/wp-admin/", ip).status_code == 429  # a NAT neighbour scans
    # The user behind the same address keeps working, well past the anonymous limit.
    answers = [get(limited_hub, "/healthz", ip, token=token).status_code for _ in range(12)]
    assert 429 not in answers
    # The token made the address known good: from now on it is not banned either (test_trusted.py).
    assert get(limited_hub, "/healthz", ip).status_code != 429


def test_a_valid_token_has_its_own_limit_and_is_never_reported(
    limited_hub, new_ip, make_user, make_token
) -> None:
    token = make_token(make_user("busyuser"), resource=limited_hub.mcp_url)
    ip = new_ip()
    answers = [get(limited_hub, "/healthz", ip, token=token).status_code for _ in range(15)]
    refused = get(limited_hub, "/healthz", ip, token=token)
    assert 429 not in answers
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # Other clients behind the same address are not affected, and the user is nobody's offender.
    assert get(limited_hub, "/healthz", ip).status_code != 429
    time.sleep(0.5)
    assert not Offender.objects.filter(ip=ip).exists()


def test_redis_down_falls_back_to_local_limits_and_mcp_keeps_working(hub_factory, new_ip) -> None:
    hub = hub_factory(
        TMUXHUB_TRUSTED_PROXIES="127.0.0.1",
        REDIS_URL="redis://127.0.0.1:1/0",
        ABUSE_ANON_LIMIT="3",
        ABUSE_ANON_WINDOW="3600",
        ABUSE_FLUSH_SECONDS="0.2",
    )
    ip = new_ip()
    assert get(hub, "/mcp", ip).status_code == 401  # the MCP endpoint answers (asks for a token)
    answers = [get(hub, "/mcp", ip).status_code for _ in range(3)]
    assert answers == [401, 401, 429]
    assert wait_until(lambda: Offender.objects.filter(ip=ip, hits=1).exists())
