"""`manage.py migrate` and a plain ASGI server, as Django users deploy, on a fresh data folder.

Issue 13: item 13 (migrate alone must leave everything the hub needs, the DB cache table included,
and `/healthz` must notice it missing) and item 5 (the data folder 0700, the database 0600).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.hub import BASE_DIR, free_port, uvicorn_argv
from tests.support.processes import start_logged, stop, wait_until_ready


@pytest.fixture(scope="module")
def fresh_install(tmux_socket: str) -> Iterator[tuple[str, Path]]:
    """A fresh data folder, migrated with `manage.py migrate` only, served by bare uvicorn (shared by
    this module's tests; the one that drops the cache table runs last)."""
    data_dir = Path(tempfile.mkdtemp(prefix="tmuxhub-fresh-")) / "data"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "TMUXHUB_DATA_DIR")
    }
    env.update(
        TMUXHUB_DATA_DIR=str(data_dir),
        TMUXHUB_TMUX_SOCKET=tmux_socket,
        TMUXHUB_PUBLIC_URL=f"http://127.0.0.1:{port}",
        TMUXHUB_ENV_FILE=os.devnull,
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr.decode()
    log_path = data_dir.parent / "uvicorn.log"
    process = start_logged(uvicorn_argv(port), log_path, cwd=BASE_DIR, env=env)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            httpx.get(f"{url}/healthz", timeout=1)
        except httpx.HTTPError:
            return False
        return True

    try:
        wait_until_ready(process, answers, "uvicorn", log_path.read_text, timeout=60)
        yield url, data_dir
    finally:
        stop(process)


def test_migrate_and_a_plain_asgi_server_serve_registration_and_health(fresh_install, tmux) -> None:
    url, _ = fresh_install
    tmux.new_session(session_name="keepalive")
    registered = httpx.post(
        f"{url}/register",
        json={"client_name": "Claude", "redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    health = httpx.get(f"{url}/healthz", timeout=10)
    # Only web runs here: the Celery worker and beat are down, everything the web process needs is up.
    assert set(health.json()["down"]) <= {"worker", "beat"}, health.text


def test_only_the_owner_can_read_the_data_folder_and_database(fresh_install) -> None:
    _, data_dir = fresh_install
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    for name in ("tmuxhub.sqlite3", "tmuxhub.sqlite3-wal", "tmuxhub.sqlite3-shm", "secret_key"):
        path = data_dir / name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name


def test_health_reports_a_missing_cache_table_as_down(fresh_install, tmux) -> None:
    url, data_dir = fresh_install
    tmux.new_session(session_name="keepalive")
    with sqlite3.connect(data_dir / "tmuxhub.sqlite3") as db:
        db.execute("DROP TABLE tmuxhub_cache")
    health = httpx.get(f"{url}/healthz", timeout=10)
    assert health.status_code == 503
    assert "cache" in health.json()["down"]
