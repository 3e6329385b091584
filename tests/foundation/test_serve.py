"""`tmuxhub serve` on the embedded default: what `make run` gives a new user."""

import signal
import subprocess
import sys
import time

import httpx
import psutil

from tests.support.hub import BASE_DIR


def _wait_for_health(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "tmuxhub serve exited early"
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


def test_serve_answers_healthy_on_sqlite_without_redis_and_stops_cleanly(embedded_env, tmux):
    env, port = embedded_env
    process = subprocess.Popen(
        [sys.executable, "-m", "tmuxhub.cli", "serve"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_health(f"http://127.0.0.1:{port}/healthz", process)
        # Healthy once the embedded worker and beat have sent their first heartbeats.
        deadline = time.monotonic() + 60
        while (response := httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)).status_code != 200:
            assert time.monotonic() < deadline, response.text
            time.sleep(0.2)
        children = psutil.Process(process.pid).children(recursive=True)
        assert any("celery" in " ".join(child.cmdline()) for child in children), "no embedded worker"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=45)
    assert not [child for child in children if child.is_running() and child.status() != "zombie"]
