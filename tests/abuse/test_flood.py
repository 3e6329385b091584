"""A 429 flood from many IPs: every refusal is counted exactly, in batches, and none is lost when the
server shuts down cleanly."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import pytest

from abuse.models import Offender, ReasonCount, RequestSample
from bench.flood import client_ips, flood
from tests.support.hub import start_hub

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

IPS = 200
REQUESTS_PER_IP = 10


@pytest.mark.parametrize(
    "flush_seconds",
    [
        pytest.param("0.2", id="flushed-in-batches-during-the-flood"),
        pytest.param("3600", id="flushed-only-at-shutdown"),
    ],
)
def test_every_refused_request_is_counted_exactly(
    django_db_setup, tmux_socket, settings, flush_seconds
) -> None:
    env = {
        "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
        # Counters of their own: both runs use the same client addresses.
        "TMUXHUB_INSTANCE": f"{settings.TMUXHUB_INSTANCE}-flood-{flush_seconds}",
        "ABUSE_ANON_LIMIT": "1",
        "ABUSE_ANON_WINDOW": "3600",
        "ABUSE_FLUSH_SECONDS": flush_seconds,
        "ABUSE_SAMPLES_PER_OFFENDER": "4",
        # On a busy machine a slow Redis answer would switch to per-process limits (by design) and
        # let a second request per IP through; this test is about counting, so give Redis time.
        "TMUXHUB_REDIS_TIMEOUT": "10",
    }
    ips = client_ips(IPS)
    with start_hub(tmux_socket=tmux_socket, extra_env=env) as hub:
        url = urlsplit(hub.url)
        result = asyncio.run(flood(url.hostname or "", url.port or 0, ips, REQUESTS_PER_IP, connections=32))
    log = hub.log()
    # The hub has stopped (SIGTERM, clean shutdown): everything it counted is in the database.

    assert result.sent == IPS * REQUESTS_PER_IP
    assert result.refused == IPS * (REQUESTS_PER_IP - 1)
    assert result.retry_after_missing == 0
    hits = dict(Offender.objects.filter(ip__in=ips).values_list("ip", "hits"))
    assert hits == {ip: REQUESTS_PER_IP - 1 for ip in ips}, log[-3000:]
    throttled = ReasonCount.objects.filter(offender__ip__in=ips, reason="throttled")
    assert dict(throttled.values_list("offender__ip", "count")) == hits
    assert not ReasonCount.objects.filter(offender__ip__in=ips).exclude(reason="throttled").exists()
    # Samples are bounded, counts are not.
    assert RequestSample.objects.filter(offender__ip=ips[0]).count() == 4
    assert max(Offender.objects.filter(ip__in=ips).values_list("sample_count", flat=True)) == 4
