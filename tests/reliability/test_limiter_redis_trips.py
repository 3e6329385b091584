"""The rate limiter costs one Redis round trip per request (one EVALSHA of its Lua script, whose own
commands Redis counts too), counted on a Redis of its own; an `/mcp` call costs no other (its token's
cached entry is read by that script)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.proxy import get

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 20
# Run by the script: read the ban, count the bucket (and the strike), expire new keys, read the token.
IN_SCRIPT = {"pttl", "incr", "expire", "set", "get"}
# The test's own, and the connection handshake.
OURS = {"info", "config|resetstat", "hello", "client|setinfo"}


def commands(own_redis) -> dict[str, int]:
    stats = own_redis.client().info("commandstats")
    return {name.removeprefix("cmdstat_"): int(stat["calls"]) for name, stat in stats.items()}


@pytest.mark.parametrize(
    ("path", "token"),
    [
        pytest.param("/.well-known/oauth-authorization-server", None, id="anonymous"),
        pytest.param("/static/admin/css/base.css", "not-a-token", id="bad-bearer-strike"),
    ],
)
def test_each_request_costs_the_limiter_one_redis_command(own_redis, hub_factory, path, token) -> None:
    hub = hub_factory(REDIS_URL=own_redis.url, TMUXHUB_TRUSTED_PROXIES="127.0.0.1")
    assert get(hub, path, "198.51.100.7", token=token).status_code == 200  # loads the script
    own_redis.client().config_resetstat()
    answers = [get(hub, path, "198.51.100.7", token=token).status_code for _ in range(REQUESTS)]
    assert answers == [200] * REQUESTS
    counted = commands(own_redis)
    assert counted["evalsha"] == REQUESTS, counted
    assert set(counted) - IN_SCRIPT - OURS == {"evalsha"}, counted
    # The bad bearer's check asked the token cache (a GET) once, before: the answer is kept in the process.
    assert counted["incr"] == (2 * REQUESTS if token else REQUESTS), counted


def modern_post(hub, token: str, ip: str) -> httpx.Response:
    """A 2026-07-28 `tools/list`: one self-contained POST, as the SDK's `Client` sends it."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "redis-trips", "version": "1"},
    }
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/list",
        "X-Forwarded-For": ip,
    }
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"_meta": meta}}
    return httpx.post(hub.mcp_url, json=body, headers=headers, timeout=10)


def sent_by_clients(own_redis) -> list[str]:
    """The commands clients sent since `slowlog reset`, oldest first: the slow log, which records every
    command when its threshold is 0, names a script's own commands' client `?:0`."""
    entries = own_redis.client().slowlog_get(10_000)
    ours = {b"slowlog", b"config", b"hello", b"client"}  # the test's, and connection handshakes
    return [
        e["command"].split()[0].decode().lower()
        for e in reversed(entries)
        if e["client_address"] != b"?:0" and e["command"].split()[0].lower() not in ours
    ]


def test_an_mcp_call_with_a_cached_token_costs_one_redis_round_trip(
    own_redis, hub_factory, make_user, make_token
) -> None:
    hub = hub_factory(REDIS_URL=own_redis.url, TMUXHUB_TRUSTED_PROXIES="127.0.0.1")
    token = make_token(make_user(), resource=hub.mcp_url)
    assert modern_post(hub, token, "198.51.100.8").status_code == 200  # caches the token's entry
    redis = own_redis.client()
    redis.config_set("slowlog-max-len", 10_000)
    redis.config_set("slowlog-log-slower-than", 0)
    redis.slowlog_reset()
    answers = [modern_post(hub, token, "198.51.100.8") for _ in range(REQUESTS)]
    assert [answer.status_code for answer in answers] == [200] * REQUESTS, answers[0].text
    assert all("capture_pane" in answer.text for answer in answers)
    # The count and the token's cached entry in one script: `/mcp`'s own check asks Redis nothing more.
    assert sent_by_clients(own_redis) == ["evalsha"] * REQUESTS
