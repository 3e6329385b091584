"""Upgrading a past release's database with data: nobody is logged out, no row changes.

Each past release's schema is built in a database of the test's own (SQLite in a fresh data folder,
or a fresh PostgreSQL database when the suite runs on PostgreSQL), filled as that release left it
(`tests/operations/releases.py`), then upgraded the way an operator does: `tmuxhub serve` of this code
migrates it and serves.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import anyio
import httpx
import pytest

from tests.operations.releases import RELEASES
from tests.support.hub import BASE_DIR, answers, call, free_port, mcp_session
from tests.support.processes import start_logged, stop, wait_until_ready


@contextmanager
def fresh_database() -> Iterator[dict[str, str]]:
    """The environment of a hub on an empty database of its own, embedded mode (no Redis), on the
    engine the suite runs on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "TMUXHUB_INSTANCE")
    }
    env.update(
        TMUXHUB_DATA_DIR=tempfile.mkdtemp(prefix="tmuxhub-upgrade-"),
        TMUXHUB_ENV_FILE=os.devnull,
        DJANGO_SETTINGS_MODULE="tmuxhub.settings",
    )
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        yield env
        return
    import psycopg

    name = f"tmuxhub_upgrade_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(server_url)
    admin = psycopg.connect(server_url, autocommit=True, connect_timeout=10)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def run_releases(env: dict[str, str], *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-m", "tests.operations.releases", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))


@contextmanager
def serve(env: dict[str, str], port: int) -> Iterator[str]:
    """`tmuxhub serve` (it migrates first), until it answers; its URL."""
    url = f"http://127.0.0.1:{port}"
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-upgrade-", suffix=".log")[1])
    argv = [sys.executable, "-m", "tmuxhub.cli", "serve", "--no-worker", "--port", str(port)]
    process = start_logged(argv, log_path, cwd=BASE_DIR, env=env)

    try:
        wait_until_ready(
            process, lambda: answers(url), "tmuxhub serve", lambda: log_path.read_text(errors="replace"), 120
        )
        yield url
    finally:
        stop(process)


async def list_sessions(mcp_url: str, token: str) -> object:
    async with mcp_session(mcp_url, token) as session:
        return await call(session, "tmux_list_sessions")


@pytest.mark.parametrize("release", sorted(RELEASES))
def test_a_past_release_upgrades_with_every_row_and_every_sign_in_kept(
    release: str, tmux_socket: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with fresh_database() as env:
        env.update(TMUXHUB_PUBLIC_URL=url, TMUXHUB_TMUX_SOCKET=tmux_socket)
        before = run_releases(env, "build", release, f"{url}/mcp")
        tokens = before["tokens"]
        assert isinstance(tokens, dict)
        with serve(env, port):
            # Every row as the old release left it (reason columns now rows, tokens now checksums).
            assert run_releases(env, "snapshot")["snapshot"] == before["snapshot"]
            # Claude's access token from before the upgrade still works at /mcp ...
            anyio.run(list_sessions, f"{url}/mcp", tokens["access"])
            # ... and so does its refresh token, once, with rotation.
            refresh = {
                "grant_type": "refresh_token",
                "refresh_token": tokens["refresh"],
                "client_id": tokens["client_id"],
                "resource": f"{url}/mcp",
            }
            response = httpx.post(f"{url}/token", data=refresh, timeout=30)
            assert response.status_code == 200, response.text
            anyio.run(list_sessions, f"{url}/mcp", response.json()["access_token"])
            assert httpx.post(f"{url}/token", data=refresh, timeout=30).status_code == 400
