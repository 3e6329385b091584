"""Run tmuxhub as users do (uvicorn in its own process) and talk to it as Claude does (MCP over HTTP)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import start_logged, stop, wait_until_ready

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def uvicorn_argv(port: int, *options: str) -> list[str]:
    """tmuxhub served by uvicorn on 127.0.0.1:`port`, as `tmuxhub serve` runs it; `options` add to it."""
    return [
        sys.executable, "-m", "uvicorn", "tmuxhub.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--no-proxy-headers", "--log-level", "warning", *options,
    ]  # fmt: skip


@dataclass
class Hub:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def start_hub(
    tmux_socket: str, extra_env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[Hub]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TMUXHUB_PUBLIC_URL": url,
        "TMUXHUB_TMUX_SOCKET": tmux_socket,
        **(extra_env or {}),
    }
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-hub-", suffix=".log")[1])
    process = start_logged(uvicorn_argv(port), log_path, cwd=BASE_DIR, env=env)
    hub = Hub(url=url, process=process, log_path=log_path)
    try:
        wait_until_ready(process, lambda: _answers(hub), "tmuxhub", hub.log, timeout)
        yield hub
    finally:
        stop(process)


def _answers(hub: Hub) -> bool:
    return answers(hub.url)


def answers(url: str) -> bool:
    """True once the hub at `url` answers `/healthz` at all (healthy or not)."""
    try:
        httpx.get(f"{url}/healthz", timeout=1)
    except httpx.HTTPError:
        return False
    return True


def run_tmuxhub(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`tmuxhub ARGS` from the checkout, to its end; its output captured as text."""
    argv = [sys.executable, "-m", "tmuxhub.cli", *args]
    return subprocess.run(
        argv, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@asynccontextmanager
async def mcp_session(
    hub_or_url: Hub | str, token: str | None, extra_headers: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    """An initialized MCP `ClientSession` over Streamable HTTP, authenticated with `token`."""
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    url = hub_or_url.mcp_url if isinstance(hub_or_url, Hub) else hub_or_url
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(extra_headers or {})
    async with (
        create_mcp_http_client(headers=headers) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@asynccontextmanager
async def mcp_client(hub_or_url: Hub | str, token: str | None) -> AsyncIterator[Any]:
    """The SDK's `Client` as it connects by default (mode "auto"): it asks `server/discover` and, when
    the server speaks it, uses the 2026-07-28 protocol: one self-contained POST per request, no
    handshake. `mcp_session` is the older handshake (initialize, then requests)."""
    from mcp.client.client import Client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    url = hub_or_url.mcp_url if isinstance(hub_or_url, Hub) else hub_or_url
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        create_mcp_http_client(headers=headers) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client


def structured(result: Any) -> Any:
    """A tool result's structured content, or its text parsed as JSON."""
    if getattr(result, "structured_content", None) is not None:
        return result.structured_content
    return json.loads(result.content[0].text)


async def call(client: Any, tool: str, /, **arguments: Any) -> Any:
    """Call a tool that must succeed; its structured result."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    return structured(result)


async def call_error(session: Any, tool: str, arguments: dict[str, Any]) -> str:
    """Call a tool that must fail; its error message."""
    result = await session.call_tool(tool, arguments)
    assert result.is_error, structured(result)
    return result.content[0].text
