"""The hub's hooks in a Claude Code settings file: added, removed and listed without touching the
person's own (`tmuxhub claude-code hooks install | uninstall | status`).

Claude Code reads `hooks` from `~/.claude/settings.json`, `<project>/.claude/settings.json` and
`<project>/.claude/settings.local.json`, merged:

    {"hooks": {"Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "...", "timeout": 5}]}]}}

The hub's entries are the command hooks whose command runs `bridge/claude_hook.py`; install appends one
group per event after the person's (or updates the command of one already there), uninstall removes
exactly those and the containers they leave empty. Every other key and hook keeps its place. The file is
written whole through a temporary file and a rename, after a copy of the old one is kept beside it.
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import claude_hook

EVENTS = ("SessionStart", "UserPromptSubmit", "PermissionRequest", "Notification", "Stop")
TIMEOUT = 5  # seconds Claude Code gives the hook; it gives up by itself after claude_hook.DEADLINE
MARK = "/bridge/claude_hook.py"  # what tells the hub's hook commands from the person's
BACKUP_SUFFIX = ".tmuxhub-backup"


class SettingsError(Exception):
    """The settings file cannot be changed safely; the message says what to do."""


def hook_command(spool: Path) -> str:
    """The shell command Claude Code runs: this Python, without site packages, on the hook file."""
    script = Path(claude_hook.__file__).resolve()
    return " ".join(shlex.quote(part) for part in (sys.executable, "-I", "-S", str(script), str(spool)))


def is_ours(hook: Any) -> bool:
    return isinstance(hook, dict) and MARK in str(hook.get("command", ""))


def load(path: Path) -> dict[str, Any]:
    """The settings in `path` ({} when it does not exist); refuses what it could not write back."""
    if not path.exists():
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise SettingsError(
            f"{path} is not valid JSON ({exc}); nothing was changed. Fix the file (Claude Code ignores "
            "it as it is) and run the command again."
        ) from None
    if not isinstance(settings, dict):
        raise SettingsError(
            f"{path} holds a JSON {type(settings).__name__}, not an object; nothing was changed"
        )
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict) or any(
        not isinstance(hooks.get(event, []), list)
        or not all(isinstance(g, dict) for g in hooks.get(event, []))
        for event in EVENTS
    ):
        raise SettingsError(
            f'{path}: "hooks" is not shaped as Claude Code reads it ({{"Stop": [{{"hooks": [...]}}]}}); '
            "nothing was changed"
        )
    return settings


def _groups(value: Any) -> bool:
    """Whether an event's value is a list of groups ({"matcher": ..., "hooks": [...]})."""
    return isinstance(value, list) and all(isinstance(group, dict) for group in value)


def _inner(group: Any) -> list[Any]:
    inner = group.get("hooks") if isinstance(group, dict) else None
    return inner if isinstance(inner, list) else []


def installed(settings: dict[str, Any]) -> dict[str, list[str]]:
    """The hub's hook commands found per event."""
    found: dict[str, list[str]] = {}
    for event, groups in settings.get("hooks", {}).items():
        for group in groups if isinstance(groups, list) else []:
            for hook in _inner(group):
                if is_ours(hook):
                    found.setdefault(event, []).append(str(hook["command"]))
    return found


def with_hooks(settings: dict[str, Any], command: str) -> dict[str, Any]:
    """`settings` with the hub's hook on every event of EVENTS, once, running `command`."""
    result = copy.deepcopy(settings)
    hooks = result.setdefault("hooks", {})
    for event in EVENTS:
        groups = hooks.setdefault(event, [])
        ours = [hook for group in groups for hook in _inner(group) if is_ours(hook)]
        for hook in ours:
            hook["command"] = command  # a checkout or data folder that moved
        if not ours:
            entry = {"type": "command", "command": command, "timeout": TIMEOUT}
            groups.append({"matcher": "", "hooks": [entry]})
    return result


def without_hooks(settings: dict[str, Any]) -> dict[str, Any]:
    """`settings` without the hub's hooks, and without the groups, events and `hooks` they leave empty."""
    result = copy.deepcopy(settings)
    hooks = result.get("hooks")
    if not isinstance(hooks, dict):
        return result
    touched = False
    for event, groups in list(hooks.items()):
        kept = []
        for group in groups if isinstance(groups, list) else []:
            inner = _inner(group)
            if any(is_ours(hook) for hook in inner):
                touched = True
                group["hooks"] = [hook for hook in inner if not is_ours(hook)]
                if not group["hooks"]:
                    continue
            kept.append(group)
        if isinstance(groups, list) and len(kept) < len(groups) and not kept:
            del hooks[event]
        elif isinstance(groups, list):
            hooks[event] = kept
    if touched and not hooks:
        del result["hooks"]
    return result


def render(settings: dict[str, Any]) -> str:
    return json.dumps(settings, indent=2, ensure_ascii=False) + "\n"


def diff(path: Path, before: dict[str, Any], after: dict[str, Any]) -> str:
    old = render(before).splitlines(keepends=True) if path.exists() else []
    return "".join(difflib.unified_diff(old, render(after).splitlines(keepends=True), str(path), str(path)))


def write(path: Path, settings: dict[str, Any]) -> Path | None:
    """Replace `path` atomically with `settings`; the copy of the old file kept beside it, if any."""
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        backup = path.with_name(path.name + BACKUP_SUFFIX)
        shutil.copy2(path, backup)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    descriptor, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(render(settings))
            file.flush()
            os.fsync(file.fileno())
        os.chmod(partial, mode)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return backup


@dataclass
class Change:
    path: Path
    diff: str
    backup: Path | None
    written: bool


def change(path: Path, install: bool, spool: Path, dry_run: bool = False) -> Change:
    """Install (or uninstall) the hub's hooks in the settings file `path`; what changed."""
    before = load(path)
    if install:
        spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        after = with_hooks(before, hook_command(spool))
    else:
        after = without_hooks(before)
    if after == before or dry_run:
        return Change(path, diff(path, before, after) if after != before else "", None, False)
    return Change(path, diff(path, before, after), write(path, after), True)
