"""The pinned Claude Code TUI: where npm installs it (outside the checkout) and the command line that
starts it straight at its input box against a fake Anthropic API. Used by the fixtures and the bench."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "2.1.197"
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tmuxhub"
PREFIX = CACHE / f"claude-code-{VERSION}"
CLAUDE = PREFIX / "node_modules" / ".bin" / "claude"
API_KEY = "sk-ant-api03-tmuxhub-tests-not-a-real-key-0000"
READY = "? for shortcuts"  # the footer of the empty input box


def installed() -> bool:
    if not CLAUDE.exists():
        return False
    probe = subprocess.run(
        [str(CLAUDE), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    return probe.stdout.startswith(VERSION)


def ensure_installed() -> Path:
    """The `claude` binary of the pinned version, installed when missing (one installer at a time)."""
    if installed():
        return CLAUDE
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed (apt-get install npm)")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed():
            print(f"installing @anthropic-ai/claude-code@{VERSION} into {PREFIX}", file=sys.stderr)
            subprocess.run(
                [npm, "install", "--prefix", str(PREFIX), "--no-audit", "--no-fund", "--loglevel=error",
                 f"@anthropic-ai/claude-code@{VERSION}"],
                check=True, timeout=600,
            )  # fmt: skip
            if not installed():
                raise RuntimeError(f"{CLAUDE} does not run after npm install")
    return CLAUDE


def command(binary: Path, home: Path, work: Path, api_url: str) -> str:
    """The shell command that starts claude straight at its input box, in a clean environment."""
    home.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    state = {
        "hasCompletedOnboarding": True,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
        "projects": {str(work): {"hasTrustDialogAccepted": True}},
    }
    (home / ".claude.json").write_text(json.dumps(state))
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "ANTHROPIC_API_KEY": API_KEY,
        "ANTHROPIC_BASE_URL": api_url,
        "DISABLE_AUTOUPDATER": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "TERM": "xterm-256color",
    }
    assignments = " ".join(f"{name}={shlex.quote(value)}" for name, value in env.items())
    return f"cd {shlex.quote(str(work))} && exec env -i {assignments} {shlex.quote(str(binary))}"
