"""Redis stops while the hub and the worker run: tools keep working, throttling goes local and safe,
/healthz names Redis, and everything uses Redis again once it is back."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.hub import BASE_DIR, call, call_error, mcp_session
from tests.support.proxy import get
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio, pytest.mark.slow]

LIMITS = {
    "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
    "ABUSE_ANON_LIMIT": "3",
    "ABUSE_ANON_WINDOW": "3600",
    "TMUXHUB_REDIS_TIMEOUT": "0.5",
}


_health_clients = itertools.count(1)


def healthz(hub) -> httpx.Response:
    """GET /healthz as a new client each time: polling must not meet the small anonymous limit."""
    return get(hub, "/healthz", f"192.0.2.{next(_health_clients) % 250 + 1}")


def redis_counters(own_redis, ip: str) -> list[bytes]:
    return list(own_redis.client().scan_iter(match=f"*:abuse:rate:ip:{ip}:*"))


def queue_task(own_redis, name: str) -> None:
    """Send a task as any tmuxhub process does (a `celery call` with the hub's settings)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "REDIS_URL": own_redis.url}
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "tmuxhub", "call", name],
        cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=60,
    )  # fmt: skip


@pytest.fixture
def redis_hub(own_redis, hub_factory, make_user, make_token):
    """A hub on the throw-away Redis, and a token for it."""
    hub = hub_factory(REDIS_URL=own_redis.url, **LIMITS)
    return hub, make_token(make_user("redis-fault"), resource=hub.mcp_url)


async def test_tools_throttling_and_health_survive_redis_stopping_and_coming_back(
    own_redis, redis_hub, celery_worker_factory, shell_pane
) -> None:
    hub, token = redis_hub
    worker = celery_worker_factory(beat=True, REDIS_URL=own_redis.url)
    assert [get(hub, "/mcp", "198.51.100.1").status_code for _ in range(4)] == [401, 401, 401, 429]
    assert redis_counters(own_redis, "198.51.100.1")

    own_redis.stop()

    async with mcp_session(hub, token) as session:
        started = time.monotonic()
        listed = await call(session, "tmux_list_sessions")
        captured = await call(session, "capture_pane", pane=shell_pane.pane_id, lines=5)
        took = time.monotonic() - started
    assert [s["name"] for s in listed["sessions"]] == ["work"]
    assert captured["pane"] == shell_pane.pane_id
    assert took < 5, f"tool calls took {took:.1f}s with Redis down"
    # Throttling still holds, on this process's own counters.
    assert [get(hub, "/mcp", "198.51.100.2").status_code for _ in range(4)] == [401, 401, 401, 429]
    down = healthz(hub)
    assert down.status_code == 503
    assert "broker" in down.json()["down"]

    own_redis.start()

    wait_until(lambda: healthz(hub).status_code == 200, timeout=30)
    # The limiter retries Redis a few seconds after its last failure: counts go there again.
    fresh_ips = (f"198.51.100.{n}" for n in range(10, 250))

    def counted_in_redis() -> bool:
        ip = next(fresh_ips)  # a new client each time: a refused one is answered from memory
        get(hub, "/mcp", ip)
        return bool(redis_counters(own_redis, ip))

    wait_until(counted_in_redis, timeout=15)
    # The worker reconnected on its own and takes tasks again.
    queue_task(own_redis, "abuse.sweep_pending")
    wait_until(lambda: "abuse.sweep_pending" in worker.log() and "succeeded" in worker.log(), timeout=30)
    assert hub.process.poll() is None
    assert "Traceback" not in hub.log()


def register(hub) -> httpx.Response:
    return httpx.post(f"{hub.url}/register", json={"redirect_uris": ["http://localhost:6274/cb"]}, timeout=30)


async def test_register_and_capture_since_say_redis_is_down_fast_and_work_again_once_it_is_back(
    own_redis, redis_hub, shell_pane
) -> None:
    hub, token = redis_hub
    assert register(hub).status_code == 201

    own_redis.stop()

    started = time.monotonic()
    refused = register(hub)
    async with mcp_session(hub, token) as session:
        error = await call_error(session, "capture_since", {"pane": shell_pane.pane_id})
    took = time.monotonic() - started
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == "temporarily_unavailable"
    assert "Redis, which is not answering" in refused.json()["error_description"]
    assert refused.headers["Retry-After"]
    assert "capture_since (its read marks) needs Redis, which is not answering" in error
    assert took < 5, f"/register and capture_since took {took:.1f}s with Redis down"

    own_redis.start()

    wait_until(lambda: register(hub).status_code == 201, timeout=15)
    async with mcp_session(hub, token) as session:
        read = await call(session, "capture_since", pane=shell_pane.pane_id)
    assert read["pane"] == shell_pane.pane_id
    assert "Traceback" not in hub.log()
