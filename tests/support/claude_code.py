"""The tested Claude Code TUI releases: where npm installs each (outside the checkout, one npm cache),
the command line that starts one straight at its input box against a fake Anthropic API, and how to
get past each release's start-up questions. Used by the fixtures, the screen capture and the bench."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bridge.claude_code import read_screen
from tmuxhub.lib import npm

PINNED = "2.1.197"
# Every release the real-TUI tests run against, oldest first; keep in step with bridge.claude_code.TESTED.
RELEASES = ("2.1.197", "2.1.337")
VERSION = PINNED  # the default where one release is enough
CACHE = npm.CACHE
API_KEY = "sk-ant-api03-tmuxhub-tests-not-a-real-key-0000"
READY = "? for shortcuts"  # a footer 2.1.197 draws under its empty box (2.1.337 in manual mode too)
# Questions a release asks once at start-up, and the keys that answer them the way the tests need.
START_UP = {
    # 2.1.337: unnumbered options, "Yes, set auto mode ..." selected; the second keeps manual mode.
    "Make auto mode your default permission mode?": ("Down", "Enter"),
}
# The start-up questions each release is known to ask. 2.1.337 may draw its empty box first and
# the question a moment later, so a pane is ready only once they were answered.
ASKS = {"2.1.337": ("Make auto mode your default permission mode?",)}
QUESTION_WAIT = 15.0  # seconds an expected question is waited for after the box shows


def prefix(version: str = PINNED) -> Path:
    return CACHE / f"claude-code-{version}"


def binary(version: str = PINNED) -> Path:
    return prefix(version) / "node_modules" / ".bin" / "claude"


def installed(version: str = PINNED) -> bool:
    if not binary(version).exists():
        return False
    probe = subprocess.run(
        [str(binary(version)), "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    return probe.stdout.startswith(version)


def ensure_installed(version: str = PINNED) -> Path:
    """The `claude` binary of `version`, installed when missing (one installer at a time; every
    release into its own folder, all from npm's one cache)."""
    npm.install(prefix(version), [f"@anthropic-ai/claude-code@{version}"], lambda: installed(version))
    return binary(version)


def command(binary: Path, home: Path, work: Path, api_url: str) -> str:
    """The shell command that starts claude at its input box (after any start-up question), in a clean
    environment. Permission dialogs stay on: `defaultMode: default` (2.1.337 starts in auto mode,
    where a Bash tool call may run without asking)."""
    home.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    state = {
        "hasCompletedOnboarding": True,
        "theme": "dark",
        "customApiKeyResponses": {"approved": [API_KEY[-20:]], "rejected": []},
        "projects": {str(work): {"hasTrustDialogAccepted": True}},
    }
    (home / ".claude.json").write_text(json.dumps(state))
    (home / ".claude").mkdir(exist_ok=True)
    settings = home / ".claude" / "settings.json"
    if not settings.exists():  # a test may have written its own (hooks)
        settings.write_text(json.dumps({"permissions": {"defaultMode": "default"}}))
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


def install_hooks(home: Path) -> None:
    """The hub's hooks in `home`'s Claude Code settings, as `tmuxhub claude-code hooks install` writes
    them (with permission dialogs on, as `command` sets)."""
    from bridge import claude_hooks, claude_settings

    settings = home / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(json.dumps({"permissions": {"defaultMode": "default"}}))
    claude_settings.change(settings, install=True, spool=claude_hooks.spool())


def start_up_question(rows: Sequence[str]) -> str | None:
    """The start-up question on screen, if any (one of START_UP)."""
    text = "\n".join(rows)
    return next((question for question in START_UP if question in text), None)


def wait_ready(
    screen: Callable[[], list[str]],
    press: Callable[[Sequence[str]], None],
    version: str = PINNED,
    timeout: float = 60,
) -> None:
    """Wait until Claude Code shows its empty input box, answering start-up questions on the way
    (those `version` asks are awaited). Ready is the hub's own reading (`idle`), not one release's
    footer."""
    deadline = time.monotonic() + timeout
    pressed: dict[str, float] = {}  # question -> when its answer was pressed (again after 3 s unseen)
    idle_since: float | None = None
    while True:
        rows = screen()
        question = start_up_question(rows)
        if question is not None and time.monotonic() - pressed.get(question, -10.0) > 3:
            time.sleep(0.5)  # a key pressed the moment a question appears can be dropped
            press(START_UP[question])
            pressed[question] = time.monotonic()
        elif question is None and read_screen(rows).state == "idle":
            idle_since = idle_since or time.monotonic()
            expected = [q for q in ASKS.get(version, ()) if q not in pressed]
            if not expected or time.monotonic() - idle_since > QUESTION_WAIT:
                return
        else:
            idle_since = None
        if time.monotonic() > deadline:
            raise TimeoutError("Claude Code never showed its empty input box:\n" + "\n".join(rows))
        time.sleep(0.1)
