"""Which program a pane runs, decided by its processes, not by its pixels: whether it is Claude Code
and which release.

The pane's foreground process group (the terminal's, from /proc: tmux's `pane_current_command` is the
same process's name, and the fallback where /proc cannot be read) is looked at: Claude Code is a
process whose executable or script sits in the `@anthropic-ai/claude-code` package (its package.json
names the version), a native install's versioned binary, or a process named `claude`. A shell that
merely prints a screen like Claude Code's is a shell. The version comes from package.json, from the
binary's file name, or from `claude --version` (run once per binary, with a timeout).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import psutil

from . import tmux
from .claude_code import TESTED

PACKAGE = "@anthropic-ai/claude-code"
NAMES = frozenset({"claude", "claude.exe"})
VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[-+][\w.]+)?$")
VERSION_TIMEOUT = 5.0  # seconds for `claude --version`
MAX_TREE = 200  # processes looked at under a pane


@dataclass(frozen=True)
class Program:
    claude_code: bool
    version: str | None = None

    @property
    def newer_than_tested(self) -> bool:
        return self.version is not None and newer(self.version, TESTED[-1])


def newer(version: str, than: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", v.split("-")[0].split("+")[0])[:3])

    return key(version) > key(than)


async def program(pane: str) -> Program:
    """What runs in the foreground of `pane`."""
    pid, current = await tmux.display(pane, "pane_pid", "pane_current_command")
    return await asyncio.to_thread(_inspect, int(pid) if pid.isdigit() else 0, current)


def _inspect(pane_pid: int, current: str) -> Program:
    try:
        process = _foreground(pane_pid)
    except (psutil.Error, OSError, ValueError, IndexError):
        process = None
    if process is None:  # no /proc here: tmux's name for the foreground process is all there is
        return Program(claude_code=current in NAMES)
    try:
        paths = [process.exe(), *process.cmdline()[:2]]
        name = process.name()
    except psutil.Error:
        return Program(claude_code=current in NAMES)
    for path in paths:
        version = _package_version(path) if path else None
        if version is not None:
            return Program(claude_code=True, version=version)
    if name in NAMES or any(Path(path).name in NAMES for path in paths[:2] if path):
        binary = next((p for p in paths[:2] if p and Path(p).name in NAMES), paths[0])
        return Program(claude_code=True, version=_binary_version(binary))
    return Program(claude_code=False)


def _foreground(pane_pid: int) -> psutil.Process | None:
    """The leader of the pane's foreground process group (hand-read from /proc/PID/stat: psutil does
    not expose the terminal's foreground group)."""
    if pane_pid <= 0:
        return None
    stat = Path(f"/proc/{pane_pid}/stat").read_text()
    group = int(stat.rsplit(")", 1)[1].split()[5])  # tpgid: the 8th field, the 6th after the name
    shell = psutil.Process(pane_pid)
    if group <= 0 or group == os.getpgid(pane_pid):
        return shell
    members = [p for p in [shell, *shell.children(recursive=True)[:MAX_TREE]] if _group(p) == group]
    return next((p for p in members if p.pid == group), members[0] if members else shell)


def _group(process: psutil.Process) -> int | None:
    try:
        return os.getpgid(process.pid)
    except OSError:
        return None


def _package_version(path: str) -> str | None:
    """The version in the package.json of Claude Code's npm package holding `path`, if it is in one."""
    try:
        here = Path(path).resolve()
    except OSError:
        return None
    for folder in list(here.parents)[:4]:
        manifest = folder / "package.json"
        if manifest.is_file():
            return _manifest_version(str(manifest), manifest.stat().st_mtime_ns)
    return None


@lru_cache(maxsize=64)
def _manifest_version(manifest: str, mtime: int) -> str | None:
    try:
        data = json.loads(Path(manifest).read_text()[:100_000])
    except (OSError, ValueError):
        return None
    version = data.get("version") if isinstance(data, dict) and data.get("name") == PACKAGE else None
    return version if isinstance(version, str) and VERSION.match(version) else None


def _binary_version(binary: str) -> str | None:
    """A native install's version: its file name (…/claude/versions/2.1.337) or `--version`."""
    try:
        resolved = Path(binary).resolve()
        if VERSION.match(resolved.name):
            return resolved.name
        return _asked_version(str(resolved), resolved.stat().st_mtime_ns)
    except OSError:
        return None


@lru_cache(maxsize=64)
def _asked_version(binary: str, mtime: int) -> str | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    first = out.split()[0] if out.split() else ""
    return first if VERSION.match(first) else None
