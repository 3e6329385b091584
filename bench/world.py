"""What the benchmark runs against, all on this machine and torn down afterwards: a tmux server on a
socket of its own holding the pane everyone reads, tmuxhub served by uvicorn with a real access token,
and the seed servers installed in a virtual environment of the bench's own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.hub import free_port, uvicorn_argv
from tests.support.processes import start_logged, stop, wait_for_port
from tests.support.tokens import mint_token

BASE_DIR = Path(__file__).resolve().parent.parent
SEEDS_VENV = BASE_DIR / "bench" / ".venv-seeds"
# The seed servers PyPI carries, pinned so a run is repeatable. tmux-mcp (BANCS-Norway) is not on
# PyPI (its README installs from git); PyPI's `tmux-mcp` is another project.
SEED_PACKAGES = {"libtmux-mcp": "0.1.0a22", "mcp-ssh-tmux": "0.2.9"}
# tmux-mcp (BANCS-Norway, MIT) runs from its source (shared/seeds/tmux-mcp-src, `src/` on the path)
# with what its pyproject asks for, pinned; it imports on Python 3.11 although it says 3.13. Its
# FastMCP is mcp 1.x's, which the other seeds' mcp 2 replaces: hence a venv of its own.
TMUX_MCP_SRC = Path("shared") / "seeds" / "tmux-mcp-src"
TMUX_MCP_VENV = BASE_DIR / "bench" / ".venv-seed-tmux-mcp"
TMUX_MCP_PACKAGES = {
    "mcp": "1.30.0",
    "pyjwt": "2.15.1",
    "cryptography": "50.0.2",
    "python-dotenv": "1.2.4",
    "httpx": "0.28.1",
    "argcomplete": "3.7.2",
}

# mcp-ssh-tmux only looks at socket name `mcp-ssh`, session `mcp-ssh` and windows named like its
# SSH sessions; TMUX_TMPDIR moves that socket into the bench's own folder.
SOCKET_NAME = "mcp-ssh"
SESSION = "mcp-ssh"
WINDOW = "bench@localhost-0001"
PANE_ROWS = 100  # the pane shows exactly the 100 lines every server is asked for
LAST_LINE = "row 0399"
TUI = BASE_DIR / "tests" / "tui" / "inputbox.py"


@dataclass
class Tmux:
    folder: Path
    tmpdir: str  # TMUX_TMPDIR
    socket: str  # the socket path, for `-S`
    pane: str  # id of the pane every server reads
    tui_pane: str
    busy_pane: str
    tui_log: Path

    def env(self) -> dict[str, str]:
        """An environment whose plain `tmux -L mcp-ssh` reaches this server and nothing else."""
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        env["TMUX_TMPDIR"] = self.tmpdir
        return env

    def run(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", self.socket, *args], capture_output=True, text=True, timeout=10, check=True
        ).stdout

    def capture_argv(self, lines: int = PANE_ROWS) -> list[str]:
        return ["tmux", "-S", self.socket, "capture-pane", "-p", "-J", "-S", f"-{lines}", "-t", self.pane]


def _content(folder: Path) -> Path:
    """400 lines such as a build log shows: some coloured, some long, a few blank."""
    lines = []
    for i in range(400):
        if i % 10 == 0:
            lines.append(
                f"\x1b[32mrow {i:04d}\x1b[0m ok   test_module_{i}.py::test_case PASSED [{i % 100:3d}%]"
            )
        elif i % 17 == 0:
            lines.append("")
        else:
            lines.append(f"row {i:04d} compiling src/module_{i:03d}.c -o build/module_{i:03d}.o")
    lines[-1] = LAST_LINE
    path = folder / "content.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def tmux_world() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        raise SystemExit("tmux is not installed: apt-get install tmux")
    folder = Path(tempfile.mkdtemp(prefix="tmuxhub-bench-"))
    tmpdir = str(folder / "sock")
    os.makedirs(tmpdir, mode=0o700)
    socket_path = str(Path(tmpdir) / f"tmux-{os.getuid()}" / SOCKET_NAME)
    content = _content(folder)
    tui_log = folder / "submitted.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
    env["TMUX_TMPDIR"] = tmpdir

    def tmux(*args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", SOCKET_NAME, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()

    try:
        pane = tmux(
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", SESSION, "-n", WINDOW,
            "-x", "160", "-y", str(PANE_ROWS), f"cat {content}; exec sleep 3600",
        )  # fmt: skip
        tui_pane = tmux(
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", "tui", "-x", "120", "-y", "30",
            f"{sys.executable} {TUI} --log {tui_log}",
        )  # fmt: skip
        busy_pane = tmux(
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", "busy", "-x", "80", "-y", "24",
            "while :; do date +%s.%N; sleep 0.1; done",
        )  # fmt: skip
        world = Tmux(folder, tmpdir, socket_path, pane, tui_pane, busy_pane, tui_log)
        deadline = time.monotonic() + 10
        while LAST_LINE not in world.run("capture-pane", "-p", "-t", pane):
            if time.monotonic() > deadline:
                raise RuntimeError("the bench pane never showed its content")
            time.sleep(0.05)
        yield world
    finally:
        subprocess.run(
            ["tmux", "-L", SOCKET_NAME, "kill-server"], env=env, capture_output=True, timeout=10, check=False
        )
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Hub:
    url: str
    token: str
    pid: int

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


def _hub_env(world: Tmux, data_dir: str, instance: str) -> dict[str, str]:
    env = {
        "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
        "TMUXHUB_ENV_FILE": os.devnull,
        "TMUXHUB_DATA_DIR": data_dir,
        "TMUXHUB_INSTANCE": instance,
        "TMUXHUB_TMUX_SOCKET": world.socket,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        # The bench measures tools, not throttles: one token makes thousands of calls a minute here.
        "ABUSE_TOKEN_LIMIT": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.pop("DATABASE_URL", None)
    os.environ.update(env)
    return env


def _mint_token(mcp_url: str) -> str:
    """An allow-listed user and a DOT access token bound to the hub's /mcp, as the OAuth flow leaves."""
    from django.contrib.auth import get_user_model

    from tmuxhub.accounts.models import AllowedGitHubUser

    user, _ = get_user_model().objects.get_or_create(username="bench")
    AllowedGitHubUser.objects.get_or_create(github_login="bench", defaults={"user": user})
    return mint_token(user, mcp_url, expires_in=2 * 3600, client="bench client")


@contextmanager
def hub(
    world: Tmux, workers: int = 1, source: Path = BASE_DIR, profile_to: Path | None = None
) -> Iterator[Hub]:
    """tmuxhub as `tmuxhub serve` runs it (uvicorn, SQLite, Redis), with a throw-away data folder;
    `source` is the checkout it is served from (another one to measure a patch). With `profile_to`,
    under cProfile (bench/profiled_hub.py: SIGUSR1 starts it, the stats land there at the end)."""
    import django
    from django.core.management import call_command

    data_dir = tempfile.mkdtemp(prefix="tmuxhub-bench-data-")
    instance = f"tmuxhub-bench-{os.getpid()}"
    env = _hub_env(world, data_dir, instance)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env["TMUXHUB_PUBLIC_URL"] = url
    os.environ["TMUXHUB_PUBLIC_URL"] = url
    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    token = _mint_token(f"{url}/mcp")
    log_path = Path(data_dir) / "hub.log"
    argv = uvicorn_argv(port, "--workers", str(workers), "--no-access-log")
    if profile_to is not None:
        argv = [sys.executable, str(BASE_DIR / "bench" / "profiled_hub.py"), str(profile_to), *argv[3:]]
    process = start_logged(
        argv,
        log_path,
        cwd=source,
        env={**world.env(), **env},
    )
    try:
        wait_for_port(port, process, "tmuxhub", log_path)
        yield Hub(url=url, token=token, pid=process.pid)
    finally:
        stop(process)
        _flush_redis(env["REDIS_URL"], instance)
        shutil.rmtree(data_dir, ignore_errors=True)


def _flush_redis(url: str, instance: str) -> None:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5)
        keys = list(client.scan_iter(match=f"{instance}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


class SeedUnavailable(Exception):
    """A seed server cannot run here (its source or its virtual environment is missing); the bench
    skips it and prints why."""


def _installed(python: Path, pins: dict[str, str]) -> bool:
    if not python.exists():
        return False
    check = subprocess.run(
        [
            str(python), "-c",
            "import importlib.metadata as m, sys, json; "
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))",
            *pins,
        ],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return check.returncode == 0 and json.loads(check.stdout or "{}") == pins


def ensure_venv(folder: Path, pins: dict[str, str], progress: object = print, extras: str = "") -> Path:
    """A virtual environment at `folder` holding exactly `pins` (made or repaired when needed); its
    python. SeedUnavailable when it cannot be built (no network, a pin gone from the index)."""
    python = folder / "bin" / "python"
    if _installed(python, pins):
        return python
    specs = [f"{name}{extras if name == 'pyjwt' else ''}=={version}" for name, version in pins.items()]
    if callable(progress):
        progress(f"installing {', '.join(specs)} into {folder.relative_to(BASE_DIR)}")
    try:
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *specs],
            check=True,
            timeout=900,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        last = detail.decode(errors="replace").strip().splitlines()[-1:] if detail else []
        raise SeedUnavailable(f"cannot build {folder.name}: {exc}{'; ' + last[0] if last else ''}") from exc
    return python


def ensure_seed_venv(progress: object = print) -> Path:
    """bench/.venv-seeds with the pinned seed servers from PyPI."""
    return ensure_venv(SEEDS_VENV, SEED_PACKAGES, progress)


def tmux_mcp_source() -> Path:
    """tmux-mcp's source tree (shared/seeds/tmux-mcp-src beside the checkout, or $TMUX_MCP_SRC)."""
    configured = os.environ.get("TMUX_MCP_SRC")
    candidates = [Path(configured)] if configured else [p / TMUX_MCP_SRC for p in BASE_DIR.parents]
    for candidate in candidates:
        if (candidate / "src" / "tmux_mcp" / "server.py").exists():
            return candidate
    raise SeedUnavailable(f"no tmux-mcp source in {TMUX_MCP_SRC} beside the checkout, nor in $TMUX_MCP_SRC")


def ensure_tmux_mcp_venv(progress: object = print) -> Path:
    """bench/.venv-seed-tmux-mcp: tmux-mcp needs mcp 1.x, the other seeds' FastMCP needs mcp 2."""
    tmux_mcp_source()
    return ensure_venv(TMUX_MCP_VENV, TMUX_MCP_PACKAGES, progress, extras="[crypto]")
