"""Only abuse/clientip.py decides who the client is (the socket peer, and X-Forwarded-For only from
TMUXHUB_TRUSTED_PROXIES): never uvicorn's own proxy-header guess, which `tmuxhub serve` turns off.

uvicorn believes X-Forwarded-For/-Proto from 127.0.0.1 and ::1 by default, so any local tunnel
(`ssh -R`, socat) could claim any address: evade every throttle, or get a stranger reported.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest

from abuse.models import Offender
from tests.support.hub import BASE_DIR, free_port
from tests.support.processes import start_logged, stop, wait_until_ready
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SPOOFED = ("8.8.8.8", "8.8.4.4", "9.9.9.9")
# Discovery has a budget of its own: waiting for the hub does not use up the anonymous one.
PROBE = "/.well-known/oauth-authorization-server"


def _env(port: int, tmux_socket: str, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TMUXHUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TMUXHUB_TMUX_SOCKET": tmux_socket,
        # Redis keys of its own: this hub throttles 127.0.0.1, which every other test's hub serves.
        "TMUXHUB_INSTANCE": f"{os.environ['TMUXHUB_INSTANCE']}-{name}",
        "TMUXHUB_TRUSTED_PROXIES": "",
        "ABUSE_ANON_LIMIT": "2",
        "ABUSE_ANON_WINDOW": "3600",
        "ABUSE_FLUSH_SECONDS": "0.2",
    }


@contextmanager
def _running(argv: list[str], env: dict[str, str], port: int) -> Iterator[Path]:
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-client-address-", suffix=".log")[1])
    process = start_logged(argv, log_path, cwd=BASE_DIR, env=env)

    def answers() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}{PROBE}", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until_ready(process, answers, argv[2], lambda: log_path.read_text(errors="replace"), 60)
        yield log_path
    finally:
        # `tmuxhub serve` forwards SIGTERM slowly (issue 14): stop its uvicorn first, then it.
        for child in psutil.Process(process.pid).children(recursive=True):
            child.terminate()
        stop(process)


def _spoofing_cannot_evade_the_limit_nor_frame_anyone(port: int) -> None:
    url = f"http://127.0.0.1:{port}/healthz"
    answers = [httpx.get(url, headers={"X-Forwarded-For": ip}, timeout=10).status_code for ip in SPOOFED]
    # Rotating the claimed address does not reset the limit: the socket peer is the client...
    assert answers[:2].count(429) == 0 and answers[2] == 429, answers
    # ...and it is the peer that is recorded, never an address the request made up.
    assert wait_until(lambda: Offender.objects.filter(ip="127.0.0.1", hits=1).exists())
    assert not Offender.objects.filter(ip__in=SPOOFED).exists()


def test_tmuxhub_serve_believes_no_forwarded_for_without_trusted_proxies(tmux_socket: str, tmux) -> None:
    # `tmux`: serve starts a "tmuxhub" session on the test's tmux server; the fixture removes it.
    port = free_port()
    argv = [sys.executable, "-m", "tmuxhub.cli", "serve", "--port", str(port), "--no-worker"]
    with _running(argv, _env(port, tmux_socket, "serve-xff"), port):
        _spoofing_cannot_evade_the_limit_nor_frame_anyone(port)


def test_plain_uvicorn_without_proxy_headers_believes_no_forwarded_for(tmux_socket: str) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "tmuxhub.asgi:application", "--port", str(port)]
    with _running([*argv, "--no-proxy-headers"], _env(port, tmux_socket, "uvicorn-xff"), port):
        _spoofing_cannot_evade_the_limit_nor_frame_anyone(port)


def test_a_hub_started_without_its_lifespan_refuses_every_request(tmux_socket: str) -> None:
    # Its writers (audit log, abuse counts) start in the lifespan: without it nothing would be recorded.
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "tmuxhub.asgi:application", "--port", str(port)]
    env = _env(port, tmux_socket, "uvicorn-no-lifespan")
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-client-address-", suffix=".log")[1])
    process = start_logged([*argv, "--lifespan", "off"], log_path, cwd=BASE_DIR, env=env)

    def refused() -> httpx.Response | None:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-For": SPOOFED[0]})
        except httpx.HTTPError:
            return None

    try:
        response = wait_until(refused, timeout=60)
        assert response is not None and response.status_code == 500
        assert "lifespan" in response.json()["detail"]
    finally:
        stop(process)
