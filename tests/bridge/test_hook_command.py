"""The hook command Claude Code runs: hands the event to the hub's spool, and never slows Claude Code."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from bridge import claude_hook, claude_settings

PANE_ENV = {"TMUX_PANE": "%7", "TMUX": "/tmp/tmux-0/hub.sock,4242,0", "PATH": "/usr/bin:/bin"}


def hook(spool: Path, stdin: bytes, env: dict[str, str] = PANE_ENV) -> subprocess.CompletedProcess[bytes]:
    """Run the installed command line as Claude Code does (through a shell, the payload on stdin)."""
    command = claude_settings.hook_command(spool)
    return subprocess.run(["sh", "-c", command], input=stdin, env=env, capture_output=True, timeout=30)


def events(spool: Path) -> list[dict]:
    folder = claude_hook.pane_folder(spool, "/tmp/tmux-0/hub.sock", "%7")
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def test_the_event_lands_in_the_panes_spool_with_pane_and_time(tmp_path):
    spool = tmp_path / "claude-hooks"
    spool.mkdir()
    payload = {"hook_event_name": "UserPromptSubmit", "session_id": "s1", "prompt": "- a\n> b\n1. c é"}
    before = time.time_ns()

    done = hook(spool, json.dumps(payload).encode())

    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    [event] = events(spool)
    assert event["prompt"] == payload["prompt"] and event["tmuxhub"]["pane"] == "%7"
    assert before <= event["tmuxhub"]["time_ns"] <= time.time_ns()


@pytest.mark.parametrize(
    ("stdin", "env"),
    [
        (b"not json", PANE_ENV),
        (b"[1, 2]", PANE_ENV),
        (b'{"hook_event_name": "Stop"}', {"PATH": "/usr/bin:/bin"}),  # not in a tmux pane
        (b'{"hook_event_name": "Stop"}', {**PANE_ENV, "TMUX_PANE": "%../x"}),
        (b'{"prompt": "' + b"x" * (claude_hook.MAX_PAYLOAD + 10) + b'"}', PANE_ENV),
    ],
)
def test_what_it_cannot_attribute_or_read_is_dropped_silently(tmp_path, stdin, env):
    spool = tmp_path / "claude-hooks"
    spool.mkdir()
    done = hook(spool, stdin, env)
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert not any(spool.iterdir())


@pytest.mark.timing
def test_a_hub_never_set_up_costs_claude_code_nothing(tmp_path):
    started = time.monotonic()
    done = hook(tmp_path / "no-such-folder", b'{"hook_event_name": "Stop"}')
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    assert time.monotonic() - started < 1.5  # a Python start, on a loaded machine
    assert not (tmp_path / "no-such-folder").exists()


@pytest.mark.timing
def test_a_payload_that_never_ends_is_given_up_after_the_deadline(tmp_path):
    spool = tmp_path / "claude-hooks"
    spool.mkdir()
    started = time.monotonic()
    process = subprocess.Popen(
        ["sh", "-c", claude_settings.hook_command(spool)], stdin=subprocess.PIPE, env=PANE_ENV
    )
    assert process.stdin is not None
    try:
        process.stdin.write(b'{"hook_event_name": ')  # and never closed
        process.stdin.flush()
        assert process.wait(timeout=claude_hook.DEADLINE + 10) == 0
    finally:
        process.kill()
        process.stdin.close()
    assert time.monotonic() - started < claude_hook.DEADLINE + 5
    assert not any(spool.iterdir())


def test_a_pane_keeps_only_its_newest_events(tmp_path):
    spool = tmp_path / "claude-hooks"
    folder = claude_hook.pane_folder(spool, "/tmp/tmux-0/hub.sock", "%7")
    folder.mkdir(parents=True)
    for n in range(claude_hook.MAX_EVENTS):
        (folder / f"{n:020d}-1.json").write_text("{}")

    hook(spool, b'{"hook_event_name": "Stop", "session_id": "newest"}')

    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == claude_hook.MAX_EVENTS and names[0] == f"{1:020d}-1.json"
    assert events(spool)[-1]["session_id"] == "newest"


def test_a_new_pane_clears_the_folders_of_panes_long_silent(tmp_path):
    spool = tmp_path / "claude-hooks"
    old, recent = (claude_hook.pane_folder(spool, "/tmp/tmux-0/hub.sock", pane) for pane in ("%1", "%2"))
    for folder, age_days in ((old, claude_hook.STALE_DAYS + 1), (recent, 1)):
        folder.mkdir(parents=True)
        stamp = time.time_ns() - age_days * 86400 * 10**9
        (folder / f"{stamp:020d}-1.json").write_text("{}")

    hook(spool, b'{"hook_event_name": "SessionStart", "session_id": "s1"}')

    assert not old.exists() and recent.exists() and len(events(spool)) == 1
