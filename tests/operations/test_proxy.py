"""tmuxhub behind a real nginx, configured with the README's `server` block.

nginx runs as an instance of the test's own (its own prefix and config, a loopback port, as `nobody`
when the tests run as root); the block's read timeout is cut to 3 s so that a 6 s call stands for a
75 s one behind nginx's default 60 s. The client connects from 127.0.0.2 and forges X-Forwarded-For.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio
import libtmux
import pytest

from tests.support.hub import BASE_DIR, Hub, start_hub, structured
from tests.support.processes import stop, wait_for_port
from tests.support.tokens import mint_token

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ADDRESS = "127.0.0.2"
FORGED = "203.0.113.9"
READ_TIMEOUT = 3
CALL_SECONDS = 6


def readme_nginx_block(upstream: str, port: int) -> str:
    """The README's nginx `server` block, on plain http at 127.0.0.1:`port`, read timeout cut."""
    readme = (BASE_DIR / "README.md").read_text()
    block = re.search(r"```nginx\n(.*?)```", readme, re.S)
    assert block, "README.md has no nginx block"
    lines = [line for line in block.group(1).splitlines() if "ssl" not in line]
    text = "\n".join(lines).replace("server {", f"server {{\n    listen 127.0.0.1:{port};", 1)
    text = text.replace("http://127.0.0.1:8000", upstream)
    assert "proxy_read_timeout 660s;" in text
    return text.replace("proxy_read_timeout 660s;", f"proxy_read_timeout {READ_TIMEOUT}s;")


@contextmanager
def nginx(upstream: str, port: int) -> Iterator[Path]:
    """A running nginx with the README's block in front of `upstream`; its access log."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        pytest.fail("nginx is not installed: apt-get install nginx (scripts/ensure-system test does it)")
    prefix = Path(tempfile.mkdtemp(prefix="tmuxhub-nginx-"))
    temp = "\n".join(
        f"    {kind}_temp_path {prefix}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
        "events { worker_connections 64; }\n"
        f"http {{\n    access_log {prefix}/access.log;\n{temp}\n{readme_nginx_block(upstream, port)}\n}}\n"
    )
    argv = [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(prefix / "error.log")]
    argv += ["-g", "daemon off;"]
    if os.geteuid() == 0:  # an unprivileged instance: as nobody, in a folder of its own
        nobody = pwd.getpwnam("nobody")
        for path in (prefix, *prefix.iterdir()):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        argv = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", *argv]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, "nginx", prefix / "error.log", timeout=30)
        yield prefix / "access.log"
    finally:
        stop(process)
        shutil.rmtree(prefix, ignore_errors=True)


@asynccontextmanager
async def session_from(address: str, url: str, token: str) -> Any:
    """An MCP session to `url` over connections from `address`, forging X-Forwarded-For."""
    import httpx2
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": FORGED}
    async with (
        httpx2.AsyncClient(
            transport=httpx2.AsyncHTTPTransport(local_address=address),
            headers=headers,
            timeout=httpx2.Timeout(30, read=120),
        ) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@contextmanager
def hub_behind_nginx(tmux_socket: str, keepalive: str) -> Iterator[tuple[Hub, str, Path]]:
    """A hub that trusts the loopback proxy, and nginx in front of it: (hub, nginx URL, nginx log)."""
    from tests.support.hub import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TMUXHUB_PUBLIC_URL": url,
        "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
        "TMUXHUB_MCP_KEEPALIVE_SECONDS": keepalive,
    }
    with start_hub(tmux_socket, extra_env=env) as hub, nginx(hub.url, port) as access_log:
        yield hub, url, access_log


def long_wait(url: str, token: str, pane: str) -> Any:
    """`wait_for_text` for a line that never comes, CALL_SECONDS long, with no progress token."""

    async def run() -> Any:
        async with session_from(CLIENT_ADDRESS, f"{url}/mcp", token) as session:
            arguments = {"pane": pane, "pattern": "never printed", "timeout": CALL_SECONDS}
            return await session.call_tool("wait_for_text", arguments)

    return anyio.run(run)


def test_a_long_call_answers_through_nginx_and_the_log_names_the_client_not_the_proxy(
    make_user: Callable[..., Any], make_pane: Callable[..., libtmux.Pane], tmux_socket: str
) -> None:
    pane = make_pane("cat")
    with hub_behind_nginx(tmux_socket, keepalive="1") as (hub, url, nginx_log):
        token = mint_token(make_user(), f"{url}/mcp")
        result = long_wait(url, token, str(pane.pane_id))
        assert not result.is_error, result.content
        assert structured(result)["timed_out"] is True  # it ran its whole 6 s, past nginx's 3 s
        assert " 504 " not in nginx_log.read_text()
        calls = [line for line in hub.log().splitlines() if '"POST /mcp HTTP/1.1" 200' in line]
        assert calls and all(f" tmuxhub.access: {CLIENT_ADDRESS} - " in line for line in calls), hub.log()
        assert FORGED not in hub.log()
        waited = [float(line.rsplit(" ", 1)[1].removesuffix("ms")) for line in calls]
        assert max(waited) >= CALL_SECONDS * 1000


def test_without_the_keep_alive_nginx_cuts_the_same_call_with_a_504(
    make_user: Callable[..., Any], make_pane: Callable[..., libtmux.Pane], tmux_socket: str
) -> None:
    pane = make_pane("cat")
    with hub_behind_nginx(tmux_socket, keepalive="0") as (_, url, nginx_log):
        token = mint_token(make_user(), f"{url}/mcp")
        # The SDK raises a group of its own; nginx's log says what happened.
        with pytest.raises(BaseException):  # noqa: B017, PT011
            long_wait(url, token, str(pane.pane_id))
        assert '"POST /mcp HTTP/1.1" 504' in nginx_log.read_text()
