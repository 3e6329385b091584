"""The MCP servers compared, each reached by the same client code (the SDK's `ClientSession`) over
stdio or Streamable HTTP, and the one `capture 100 lines` call each is timed on."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.hub import free_port, mcp_session
from tests.processes import stop, wait_for_port

from .world import PANE_ROWS, SEEDS_VENV, WINDOW, Tmux

Session = Any  # mcp.ClientSession


@dataclass(frozen=True)
class Seed:
    name: str
    tool: str
    arguments: Callable[[Tmux], dict[str, Any]]
    stdio_argv: list[str]
    http_argv: Callable[[int], list[str]]
    http_env: Callable[[int], dict[str, str]]
    http_note: str

    def env(self, world: Tmux) -> dict[str, str]:
        # libtmux-mcp takes the socket path; mcp-ssh-tmux finds `-L mcp-ssh` through TMUX_TMPDIR.
        return {**world.env(), "LIBTMUX_SOCKET_PATH": world.socket}


_BIN = SEEDS_VENV / "bin"
SEEDS = [
    Seed(
        name="libtmux-mcp",
        tool="capture_pane",
        # With no start/end it returns the visible screen: the 100 rows of the bench pane.
        arguments=lambda world: {"pane_id": world.pane},
        stdio_argv=[str(_BIN / "libtmux-mcp")],
        # Its CLI serves stdio only; the FastMCP factory its fastmcp.json names serves HTTP.
        http_argv=lambda port: [
            str(_BIN / "python"),
            "-c",
            "import sys; from libtmux_mcp.server import build_mcp_server; "
            "build_mcp_server().run(transport='http', host='127.0.0.1', port=int(sys.argv[1]), "
            "show_banner=False)",
            str(port),
        ],
        http_env=lambda port: {},
        http_note="build_mcp_server() on FastMCP's HTTP transport (its CLI is stdio only)",
    ),
    Seed(
        name="mcp-ssh-tmux",
        tool="get_snapshot",
        arguments=lambda world: {"session_id": WINDOW, "lines": PANE_ROWS},
        stdio_argv=[str(_BIN / "mcp-ssh-tmux")],
        http_argv=lambda port: [str(_BIN / "mcp-ssh-tmux")],
        http_env=lambda port: {"FASTMCP_TRANSPORT": "http", "FASTMCP_PORT": str(port)},
        http_note="its own FASTMCP_TRANSPORT=http",
    ),
]


@asynccontextmanager
async def stdio_session(argv: list[str], env: dict[str, str]) -> AsyncIterator[Session]:
    from mcp import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    params = StdioServerParameters(command=argv[0], args=argv[1:], env=env)
    with open("/dev/null", "w") as quiet:
        async with (
            stdio_client(params, errlog=quiet) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield session


def child_pid(program: str) -> int | None:
    """The pid of this process's child running `program` (the stdio server the SDK spawned)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            argv = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if parent == os.getpid() and program.encode() in argv[:2]:
            return int(stat.parent.name)
    return None


@contextmanager
def http_server(argv: list[str], env: dict[str, str], port: int) -> Iterator[tuple[str, int]]:
    """A server process listening on `port`: its MCP URL and pid."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, repr(argv))
        yield f"http://127.0.0.1:{port}/mcp", process.pid
    finally:
        stop(process)


@asynccontextmanager
async def http_sessions(url: str, token: str | None, count: int) -> AsyncIterator[list[Session]]:
    """`count` clients, each with its own HTTP connection pool and MCP session."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(mcp_session(url, token)) for _ in range(count)]


def tool_caller(session: Session, tool: str, arguments: dict[str, Any], marker: str) -> Callable[[], Any]:
    """A call that fails unless the tool answered without error and showed the pane's last line."""

    async def call() -> None:
        result = await session.call_tool(tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        if result.is_error or marker not in text:
            raise RuntimeError(f"{tool} answered {text[:200]!r}")

    return call


@contextmanager
def seed_http(seed: Seed, world: Tmux) -> Iterator[tuple[str, int]]:
    port = free_port()
    with http_server(seed.http_argv(port), {**seed.env(world), **seed.http_env(port)}, port) as running:
        yield running
