"""The rate limiter costs one Redis round trip per request (one EVALSHA of its Lua script, whose own
commands Redis counts too), counted on a Redis of its own."""

from __future__ import annotations

import pytest

from tests.support.proxy import get

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 20


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
    # Run by the script: read the ban, count the bucket (and the strike), expire new keys.
    in_script = {"pttl", "incr", "expire", "set"}
    # The test's own, and the connection handshake.
    ours = {"info", "config|resetstat", "hello", "client|setinfo"}
    assert counted["evalsha"] == REQUESTS, counted
    assert set(counted) - in_script - ours == {"evalsha"}, counted
    # The bad bearer's check asked the token cache (a GET) once, before: the answer is kept in the process.
    assert counted["incr"] == (2 * REQUESTS if token else REQUESTS), counted
