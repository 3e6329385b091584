"""The MCP servers compared, each reached by the same client code (the SDK's `ClientSession`) over
stdio or Streamable HTTP, and the one `capture 100 lines` call each is timed on; and the two other ways
tmuxhub is reached: the SDK's `Client` on the 2026-07-28 protocol, and that protocol's POST by hand."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from tests.support.hub import free_port, mcp_client, mcp_session
from tests.support.processes import stop, wait_for_port

from .world import (
    PANE_ROWS,
    SEEDS_VENV,
    SESSION,
    TMUX_MCP_VENV,
    WINDOW,
    Tmux,
    ensure_seed_venv,
    ensure_tmux_mcp_venv,
    tmux_mcp_source,
)

Session = Any  # mcp.ClientSession


@dataclass(frozen=True)
class Seed:
    name: str
    tool: str
    arguments: Callable[[Tmux], dict[str, Any]]
    http_argv: Callable[[int], list[str]]
    http_env: Callable[[int, Path], dict[str, str]]  # port, a state folder of the server's own
    http_note: str
    ensure: Callable[[Callable[[str], None]], Path]  # its venv, or SeedUnavailable with the reason
    stdio_argv: list[str] | None = None  # None: HTTP only
    # The bearer token the HTTP server accepts, minted from its state folder once it listens.
    bearer: Callable[[Path], str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def env(self, world: Tmux) -> dict[str, str]:
        # libtmux-mcp takes the socket path; mcp-ssh-tmux finds `-L mcp-ssh` through TMUX_TMPDIR;
        # tmux-mcp runs a bare `tmux`, which goes to the server $TMUX names (as inside a pane).
        return {**world.env(), "LIBTMUX_SOCKET_PATH": world.socket, "TMUX": f"{world.socket},0,0"}


_BIN = SEEDS_VENV / "bin"
_TMUX_MCP_PYTHON = TMUX_MCP_VENV / "bin" / "python"


def _tmux_mcp_env(port: int, state: Path) -> dict[str, str]:
    """What tmux-mcp refuses to start without (its GitHub OAuth settings are never used here: the
    bench mints its access token directly), confined to a state folder of its own."""
    return {
        "PYTHONPATH": str(tmux_mcp_source() / "src"),
        "TMUX_MCP_PUBLIC_URL": "https://127.0.0.1",  # must be https; only its issuer URL
        "TMUX_MCP_HOST": "127.0.0.1",
        "TMUX_MCP_PORT": str(port),
        "TMUX_MCP_STATE_DIR": str(state),
        "TMUX_MCP_LOG_DIR": str(state / "logs"),
        "TMUX_MCP_GITHUB_CLIENT_ID": "bench",
        "TMUX_MCP_GITHUB_CLIENT_SECRET": "bench",
        "TMUX_MCP_ALLOWED_GITHUB_USERS": "bench",
        "TMUX_MCP_SESSION": SESSION,
    }


def _tmux_mcp_token(state: Path) -> str:
    """An access JWT as tmux-mcp issues after its GitHub login: RS256 with the key it wrote."""
    import jwt

    now = int(time.time())
    claims = {
        "iss": "tmux-mcp", "sub": "bench", "aud": "bench", "iat": now, "exp": now + 7200,
        "scope": "", "typ": "access", "resource": None,
    }  # fmt: skip
    return jwt.encode(claims, (state / "jwt-key.pem").read_text(), algorithm="RS256")


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
        http_env=lambda port, state: {},
        http_note="build_mcp_server() on FastMCP's HTTP transport (its CLI is stdio only)",
        ensure=ensure_seed_venv,
    ),
    Seed(
        name="mcp-ssh-tmux",
        tool="get_snapshot",
        arguments=lambda world: {"session_id": WINDOW, "lines": PANE_ROWS},
        stdio_argv=[str(_BIN / "mcp-ssh-tmux")],
        http_argv=lambda port: [str(_BIN / "mcp-ssh-tmux")],
        http_env=lambda port, state: {"FASTMCP_TRANSPORT": "http", "FASTMCP_PORT": str(port)},
        http_note="its own FASTMCP_TRANSPORT=http",
        ensure=ensure_seed_venv,
    ),
    Seed(
        name="tmux-mcp",
        tool="tmux_get_summary",
        arguments=lambda world: {"session": SESSION, "pane": 0, "lines": PANE_ROWS},
        http_argv=lambda port: [str(_TMUX_MCP_PYTHON), "-c", "from tmux_mcp.server import main; main()"],
        http_env=_tmux_mcp_env,
        http_note="BANCS-Norway's, from source (mcp 1.30); its RS256 JWT minted with the key it wrote",
        ensure=ensure_tmux_mcp_venv,
        bearer=_tmux_mcp_token,
        # It allows the Host names of its public URL, localhost and 127.0.0.1, without a port.
        headers={"Host": "127.0.0.1"},
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
def http_server(argv: list[str], env: dict[str, str], port: int, cwd: Path) -> Iterator[tuple[str, int]]:
    """A server process listening on `port`: its MCP URL and pid."""
    process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process, repr(argv))
        yield f"http://127.0.0.1:{port}/mcp", process.pid
    finally:
        stop(process)


@asynccontextmanager
async def http_sessions(
    url: str, token: str | None, count: int, headers: dict[str, str] | None = None
) -> AsyncIterator[list[Session]]:
    """`count` clients, each with its own HTTP connection pool and MCP session."""
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(mcp_session(url, token, headers)) for _ in range(count)]


MODERN_PROTOCOL = "2026-07-28"


@asynccontextmanager
async def sdk_clients(url: str, token: str, count: int) -> AsyncIterator[list[Session]]:
    """`count` of the SDK's `Client` as it connects by default: 2026-07-28, a POST per call, no handshake."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(mcp_client(url, token)) for _ in range(count)]
        spoken = {client.session.protocol_version for client in clients}
        if spoken != {MODERN_PROTOCOL}:
            raise RuntimeError(f"the SDK's Client spoke {spoken}, not {MODERN_PROTOCOL}")
        yield clients


@asynccontextmanager
async def http_pools(count: int) -> AsyncIterator[list[aiohttp.ClientSession]]:
    """`count` clients, each with an HTTP connection pool of its own."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(aiohttp.ClientSession(timeout=timeout)) for _ in range(count)]


def post_caller(
    http: aiohttp.ClientSession, url: str, token: str, tool: str, arguments: dict[str, Any], marker: str
) -> Callable[[], Any]:
    """A 2026-07-28 tools/call as one POST written by hand, sent by aiohttp: the hub's cost without an
    MCP client's own (the SDK's, on httpx, spent 4 to 7 ms of CPU a call here, more than the hub;
    aiohttp 0.3 ms). Fails like `tool_caller`."""
    meta = {
        "io.modelcontextprotocol/protocolVersion": MODERN_PROTOCOL,
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "tmuxhub-bench", "version": "1"},
    }
    params = {"name": tool, "arguments": arguments, "_meta": meta}
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": params}).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": MODERN_PROTOCOL,
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
    }

    async def call() -> None:
        async with http.post(url, data=body, headers=headers) as response:
            answer = await response.read()
        result = (json.loads(answer).get("result") or {}) if response.status == 200 else {}
        text = "".join(block.get("text", "") for block in result.get("content", []))
        if result.get("isError") or marker not in text:
            raise RuntimeError(f"{tool} answered HTTP {response.status}: {answer[:200]!r}")

    return call


def tool_caller(session: Session, tool: str, arguments: dict[str, Any], marker: str) -> Callable[[], Any]:
    """A call that fails unless the tool answered without error and showed the pane's last line."""

    async def call() -> None:
        result = await session.call_tool(tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        if result.is_error or marker not in text:
            raise RuntimeError(f"{tool} answered {text[:200]!r}")

    return call


@dataclass
class Running:
    url: str
    pid: int
    token: str | None


@contextmanager
def seed_http(seed: Seed, world: Tmux) -> Iterator[Running]:
    """The seed's HTTP server, in a state folder of its own (also its working directory, so a
    `.env` lookup finds nothing of ours)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix=f"bench-{seed.name}-") as folder:
        state = Path(folder)
        env = {**seed.env(world), **seed.http_env(port, state)}
        with http_server(seed.http_argv(port), env, port, state) as (url, pid):
            yield Running(url, pid, seed.bearer(state) if seed.bearer else None)
