"""Upgrading a past release's database with data: nobody is logged out, no row changes.

Each past release's schema is built in a database of the test's own (SQLite in a fresh data folder,
or a fresh PostgreSQL database when the suite runs on PostgreSQL), filled as that release left it
(`tests/operations/releases.py`), then upgraded the way an operator does: `tmuxhub serve` of this code
migrates it and serves.
"""

from __future__ import annotations

import json
import subprocess
import sys

import anyio
import httpx
import pytest

from tests.operations.hubs import fresh_database, serve
from tests.operations.releases import RELEASES
from tests.support.hub import BASE_DIR, call, free_port, mcp_session


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
