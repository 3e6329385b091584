"""`tmuxhub serve` on the embedded default: what `make run` gives a new user."""

import os
import signal
import subprocess
import sys
import tempfile
import time

import httpx
import psutil
import pytest

from tests.support.hub import BASE_DIR, free_port


@pytest.fixture
def embedded_env(tmux_socket, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "TMUXHUB_DATA_DIR")
    }
    port = free_port()
    env.update(
        TMUXHUB_DATA_DIR=tempfile.mkdtemp(prefix="tmuxhub-embedded-"),
        TMUXHUB_TMUX_SOCKET=tmux_socket,
        TMUXHUB_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    # The port comes from the environment file (TMUXHUB_ENV_FILE), as from a deployment's .env.
    env_file = tmp_path / "tmuxhub.env"
    env_file.write_text(f"TMUXHUB_PORT={port}\n")
    env["TMUXHUB_ENV_FILE"] = str(env_file)
    return env, port


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
