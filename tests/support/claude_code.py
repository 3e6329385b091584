"""The pinned Claude Code TUI: where npm installs it (outside the checkout) and the command line that
starts it straight at its input box against a fake Anthropic API. Used by the fixtures and the bench."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

from tmuxhub import npm

VERSION = "2.1.197"
PREFIX = npm.CACHE / f"claude-code-{VERSION}"
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
    npm.install(PREFIX, [f"@anthropic-ai/claude-code@{VERSION}"], installed)
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
    # The pane's own variables pass through `env -i`: a hook learns its pane and tmux server from them.
    pane = 'TMUX_PANE="$TMUX_PANE" TMUX="$TMUX"'
    return f"cd {shlex.quote(str(work))} && exec env -i {assignments} {pane} {shlex.quote(str(binary))}"
