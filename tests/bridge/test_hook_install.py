"""`tmuxhub claude-code hooks install | uninstall | status` on settings files that have hooks of their own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from bridge import claude_settings
from tmuxhub.cli import main

THEIRS: dict[str, Any] = {
    "model": "opus",
    "permissions": {"allow": ["Bash(ls:*)"]},
    "hooks": {
        "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "notify-send done"}]}],
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "audit.sh"}]}],
        "Notification": [
            {"hooks": [{"type": "command", "command": "say hi"}, {"type": "command", "command": "beep"}]}
        ],
    },
}


def run(*args: str) -> int:
    return main(["claude-code", "hooks", *args])


@pytest.fixture
def settings_file(tmp_path: Path) -> Path:
    path = tmp_path / "home" / ".claude" / "settings.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(THEIRS, indent=4))
    return path


def test_install_adds_one_hook_per_event_after_the_persons_own(settings_file, capsys):
    assert run("install", "--settings", str(settings_file)) == 0

    written = json.loads(settings_file.read_text())
    spool = Path(settings.TMUXHUB_DATA_DIR) / "claude-hooks"
    command = claude_settings.hook_command(spool)
    for event in claude_settings.EVENTS:
        ours = written["hooks"][event][-1]
        assert ours == {"matcher": "", "hooks": [{"type": "command", "command": command, "timeout": 5}]}
    assert written["hooks"]["Stop"][0] == THEIRS["hooks"]["Stop"][0]
    assert written["hooks"]["Notification"][0] == THEIRS["hooks"]["Notification"][0]
    assert written["hooks"]["PreToolUse"] == THEIRS["hooks"]["PreToolUse"]
    assert list(written) == ["model", "permissions", "hooks"]
    assert spool.is_dir()
    out = capsys.readouterr().out
    assert f'+            "command": {json.dumps(command)}' in out
    assert "installed the hub's hooks" in out
    assert json.loads(Path(f"{settings_file}.tmuxhub-backup").read_text()) == THEIRS


def test_install_twice_changes_nothing_the_second_time(settings_file, capsys):
    run("install", "--settings", str(settings_file))
    once = settings_file.read_text()
    capsys.readouterr()

    assert run("install", "--settings", str(settings_file)) == 0

    assert settings_file.read_text() == once
    assert "nothing to change" in capsys.readouterr().out


def test_uninstall_gives_back_exactly_the_persons_settings(settings_file):
    run("install", "--settings", str(settings_file))
    assert run("uninstall", "--settings", str(settings_file)) == 0
    assert json.loads(settings_file.read_text()) == THEIRS


def test_uninstall_keeps_a_persons_hook_that_shares_a_group_with_ours(settings_file):
    run("install", "--settings", str(settings_file))
    written = json.loads(settings_file.read_text())
    written["hooks"]["Stop"][-1]["hooks"].append({"type": "command", "command": "mine too"})
    settings_file.write_text(json.dumps(written))

    run("uninstall", "--settings", str(settings_file))

    after = json.loads(settings_file.read_text())
    assert after["hooks"]["Stop"] == [
        THEIRS["hooks"]["Stop"][0],
        {"matcher": "", "hooks": [{"type": "command", "command": "mine too"}]},
    ]


def test_install_into_a_missing_file_and_uninstall_leave_no_hooks_key(tmp_path):
    path = tmp_path / "project" / ".claude" / "settings.local.json"
    assert run("install", "--scope", "local", "--project", str(tmp_path / "project")) == 0
    assert path.stat().st_mode & 0o777 == 0o600
    run("uninstall", "--scope", "local", "--project", str(tmp_path / "project"))
    assert json.loads(path.read_text()) == {}


def test_a_stale_command_is_updated_in_place(settings_file):
    stale = {"type": "command", "command": "/old/venv/bin/python -I -S /old/bridge/claude_hook.py /old/spool"}
    with_old = json.loads(json.dumps(THEIRS))
    with_old["hooks"]["Stop"].append({"hooks": [stale]})
    settings_file.write_text(json.dumps(with_old))
    assert run("status", "--settings", str(settings_file)) == 1

    run("install", "--settings", str(settings_file))

    stop = json.loads(settings_file.read_text())["hooks"]["Stop"]
    assert len(stop) == 2 and stop[1]["hooks"][0]["command"] != stale["command"]
    assert run("status", "--settings", str(settings_file)) == 0


def test_dry_run_prints_the_change_and_writes_nothing(settings_file, capsys):
    before = settings_file.read_text()
    assert run("install", "--dry-run", "--settings", str(settings_file)) == 0
    assert settings_file.read_text() == before
    assert "nothing written (--dry-run)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"hooks": {"Stop": [', "is not valid JSON"),
        ("[1, 2]", "not an object"),
        ('{"hooks": {"Stop": {"command": "x"}}}', '"hooks" is not shaped'),
    ],
)
def test_a_settings_file_it_cannot_read_is_refused_untouched(tmp_path, capsys, text, says):
    path = tmp_path / "settings.json"
    path.write_text(text)

    assert run("install", "--settings", str(path)) == 2

    assert path.read_text() == text
    assert says in capsys.readouterr().err and not Path(f"{path}.tmuxhub-backup").exists()


def test_status_names_each_event(settings_file, capsys):
    assert run("status", "--settings", str(settings_file)) == 1
    assert "Stop: missing" in capsys.readouterr().out
    run("install", "--settings", str(settings_file))
    capsys.readouterr()
    assert run("status", "--settings", str(settings_file)) == 0
    out = capsys.readouterr().out
    assert "Stop: installed" in out and "events received: " in out
