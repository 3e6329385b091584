"""uvicorn's access log records paths, never query strings (OAuth codes, `?access_token=`)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.support.hub import BASE_DIR, free_port
from tests.support.processes import start_logged, stop, wait_until_ready

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_access_log_keeps_the_path_and_drops_the_query_string(tmux_socket: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TMUXHUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TMUXHUB_TMUX_SOCKET": tmux_socket,
    }
    argv = [
        sys.executable, "-m", "uvicorn", "tmuxhub.asgi:application", "--port", str(port),
        "--no-proxy-headers", "--log-level", "info",
    ]  # fmt: skip
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-access-log-", suffix=".log")[1])
    process = start_logged(argv, log_path, cwd=BASE_DIR, env=env)
    url = f"http://127.0.0.1:{port}"

    def logged() -> bool:
        try:
            httpx.get(f"{url}/healthz?access_token=s3cr3t-t0ken&code=auth-c0de", timeout=2)
        except httpx.HTTPError:
            return False
        return '"GET /healthz HTTP/1.1"' in log_path.read_text(errors="replace")

    try:
        wait_until_ready(process, logged, "uvicorn", lambda: log_path.read_text(errors="replace"), 60)
    finally:
        stop(process)
    text = log_path.read_text(errors="replace")
    assert "s3cr3t-t0ken" not in text and "auth-c0de" not in text
