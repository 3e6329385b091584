"""tmuxhub behind a real nginx and a real Caddy, configured with the README's blocks.

Each runs as an instance of the test's own (its own folder and config, a loopback port, as `nobody`
when the tests run as root); nginx's read timeout is cut to 3 s so that a 6 s call stands for a 75 s
one behind nginx's default 60 s. The client connects from 127.0.0.2 and forges X-Forwarded-For.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
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


def readme_block(language: str) -> str:
    """The README's ```language block (the settings it tells operators to use)."""
    block = re.search(rf"```{language}\n(.*?)```", (BASE_DIR / "README.md").read_text(), re.S)
    assert block, f"README.md has no {language} block"
    return block.group(1)


def readme_nginx_block(upstream: str, port: int) -> str:
    """The README's nginx `server` block, on plain http at 127.0.0.1:`port`, read timeout cut."""
    lines = [line for line in readme_block("nginx").splitlines() if "ssl" not in line]
    text = "\n".join(lines).replace("server {", f"server {{\n    listen 127.0.0.1:{port};", 1)
    text = text.replace("http://127.0.0.1:8000", upstream)
    assert "proxy_read_timeout 660s;" in text
    return text.replace("proxy_read_timeout 660s;", f"proxy_read_timeout {READ_TIMEOUT}s;")


def unprivileged(argv: list[str], prefix: Path) -> list[str]:
    """`argv` as nobody when the tests run as root, `prefix` (its own folder) handed to it."""
    if os.geteuid() != 0:
        return argv
    nobody = pwd.getpwnam("nobody")
    for folder, folders, files in os.walk(prefix):
        for path in (folder, *(os.path.join(folder, name) for name in (*folders, *files))):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups", *argv]


def installed(name: str) -> str:
    binary = shutil.which(name) or f"/usr/sbin/{name}"
    if not os.path.exists(binary):
        pytest.fail(f"{name} is not installed: apt-get install {name} (scripts/ensure-system test does it)")
    return binary


@contextmanager
def nginx(upstream: str, port: int) -> Iterator[Path]:
    """A running nginx with the README's block in front of `upstream`; its access log."""
    binary = installed("nginx")
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
    with running(unprivileged([*argv, "-g", "daemon off;"], prefix), port, prefix, "nginx"):
        yield prefix / "access.log"


@contextmanager
def caddy(upstream: str, port: int) -> Iterator[Path]:
    """A running Caddy with the README's site block (on plain http at `port`) in front of `upstream`."""
    binary = installed("caddy")
    prefix = Path(tempfile.mkdtemp(prefix="tmuxhub-caddy-"))
    site = readme_block("caddyfile").replace("tmux.example.com {", f"http://127.0.0.1:{port} {{", 1)
    site = site.replace("127.0.0.1:8000", upstream.removeprefix("http://"))
    # No admin endpoint, no certificates: a test instance with nothing but the README's site.
    (prefix / "Caddyfile").write_text(f"{{\n    admin off\n    auto_https off\n}}\n{site}")
    argv = [binary, "run", "--config", str(prefix / "Caddyfile"), "--adapter", "caddyfile"]
    env = {**os.environ, "HOME": str(prefix), "XDG_DATA_HOME": str(prefix), "XDG_CONFIG_HOME": str(prefix)}
    with running(unprivileged(argv, prefix), port, prefix, "caddy", env):
        yield prefix / "caddy.log"


@contextmanager
def running(
    argv: list[str], port: int, prefix: Path, what: str, env: dict[str, str] | None = None
) -> Iterator[None]:
    log = prefix / f"{what}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(port, process, what, log, timeout=30)
        yield
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
def hub_behind(
    proxy: Callable[[str, int], AbstractContextManager[Path]], tmux_socket: str, keepalive: str = "1"
) -> Iterator[tuple[Hub, str, Path]]:
    """A hub that trusts the loopback proxy, and the proxy in front of it: (hub, proxy URL, its log)."""
    from tests.support.hub import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "TMUXHUB_PUBLIC_URL": url,
        "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
        "TMUXHUB_MCP_KEEPALIVE_SECONDS": keepalive,
    }
    with start_hub(tmux_socket, extra_env=env) as hub, proxy(hub.url, port) as access_log:
        yield hub, url, access_log


def long_wait(url: str, token: str, pane: str) -> Any:
    """`wait_for_text` for a line that never comes, CALL_SECONDS long, with no progress token."""

    async def run() -> Any:
        async with session_from(CLIENT_ADDRESS, f"{url}/mcp", token) as session:
            arguments = {"pane": pane, "pattern": "never printed", "timeout": CALL_SECONDS}
            return await session.call_tool("wait_for_text", arguments)

    return anyio.run(run)


@pytest.mark.parametrize("proxy", [nginx, caddy], ids=["nginx", "caddy"])
def test_a_long_call_answers_through_the_proxy_and_the_log_names_the_client_not_the_proxy(
    proxy: Callable[[str, int], AbstractContextManager[Path]],
    make_user: Callable[..., Any],
    make_pane: Callable[..., libtmux.Pane],
    tmux_socket: str,
) -> None:
    pane = make_pane("cat")
    with hub_behind(proxy, tmux_socket) as (hub, url, _):
        token = mint_token(make_user(), f"{url}/mcp")
        result = long_wait(url, token, str(pane.pane_id))
        assert not result.is_error, result.content
        assert structured(result)["timed_out"] is True  # it ran its whole 6 s, past nginx's 3 s
        calls = [line for line in hub.log().splitlines() if '"POST /mcp HTTP/1.1" 200' in line]
        assert calls and all(f" tmuxhub.access: {CLIENT_ADDRESS} - " in line for line in calls), hub.log()
        assert FORGED not in hub.log()
        waited = [float(line.rsplit(" ", 1)[1].removesuffix("ms")) for line in calls]
        assert max(waited) >= CALL_SECONDS * 1000


def test_without_the_keep_alive_nginx_cuts_the_same_call_with_a_504(
    make_user: Callable[..., Any], make_pane: Callable[..., libtmux.Pane], tmux_socket: str
) -> None:
    pane = make_pane("cat")
    with hub_behind(nginx, tmux_socket, keepalive="0") as (_, url, nginx_log):
        token = mint_token(make_user(), f"{url}/mcp")
        # The SDK raises a group of its own; nginx's log says what happened.
        with pytest.raises(BaseException):  # noqa: B017, PT011
            long_wait(url, token, str(pane.pane_id))
        assert '"POST /mcp HTTP/1.1" 504' in nginx_log.read_text()
