"""A hub behind a trusted proxy (this test process), with small limits, for the abuse tests.

Every request names its client in X-Forwarded-For, so each test uses addresses of its own.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator

import pytest

from tests.fixtures.abuse_services import AbuseServices
from tests.fixtures.celery import Worker, start_worker
from tests.support.hub import Hub, start_hub

LIMITS = {
    "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
    "ABUSE_ANON_LIMIT": "5",
    "ABUSE_ANON_WINDOW": "3600",
    "ABUSE_DISCOVERY_LIMIT": "1000",
    "ABUSE_TOKEN_LIMIT": "15",
    "ABUSE_MAX_EXPLOIT": "1",
    "ABUSE_MAX_404": "3",
    "ABUSE_MAX_AUTH_FAILURES": "3",
    "ABUSE_BAN_SECONDS": "3",
    "ABUSE_LOCAL_CACHE_SECONDS": "1",
    "ABUSE_FLUSH_SECONDS": "0.2",
    "TMUXHUB_REDIS_TIMEOUT": "5",  # a busy machine must not switch the hub to per-process limits
}
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
def limited_hub(django_db_setup: None, tmux_socket: str) -> Iterator[Hub]:
    with start_hub(tmux_socket=tmux_socket, extra_env=LIMITS) as hub:
        yield hub


@pytest.fixture(scope="session")
def abuse_worker(django_db_setup: None, abuse_servers: AbuseServices) -> Iterator[Worker]:
    """A real worker using the fake RIPE Stat and AbuseIPDB, shared by the abuse tests."""
    with start_worker({**abuse_servers.env, "ABUSE_ENRICH_BACKOFF_SECONDS": "1"}) as worker:
        yield worker


@pytest.fixture(autouse=True)
def _abuseipdb_not_paused() -> Iterator[None]:
    """A test's AbuseIPDB 429 pauses sending (in the shared cache): not for the next test."""
    from django.core.cache import cache

    from abuse.reporting import PAUSE_KEY

    cache.delete(PAUSE_KEY)
    yield
    cache.delete(PAUSE_KEY)


@pytest.fixture
def new_ip() -> Callable[[], str]:
    """A global address no other test of this run has used (global: it could be reported)."""

    def make() -> str:
        n = next(_addresses)
        return f"45.{time.time_ns() % 200 + 1}.{n // 250 % 250 + 1}.{n % 250 + 1}"

    return make
