"""npm packages installed into folders of tmuxhub's cache (~/.cache/tmuxhub), one installer at a time:
the terminal view's library (`bridge.app_view`) and, for the tests and the bench, the Claude Code TUI."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tmuxhub"


def install(prefix: Path, specs: Sequence[str], ready: Callable[[], bool], *options: str) -> None:
    """`npm install` the pinned `specs` into `prefix` unless `ready()` already; then `ready()` must hold.
    A file lock keeps two processes (two test runs, `make` targets) from installing at once."""
    if ready():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed (apt-get install npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready():
            return
        print(f"installing {' '.join(specs)} into {prefix}", file=sys.stderr)
        subprocess.run(
            [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--loglevel=error",
             *options, *specs],
            check=True, timeout=600,
        )  # fmt: skip
        if not ready():
            raise RuntimeError(f"npm installed {' '.join(specs)} into {prefix}, but it is not usable there")
