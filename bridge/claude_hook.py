"""The command Claude Code runs for the hub's hooks: hands each hook payload to the hub, locally.

Claude Code runs it as a child (so `$TMUX_PANE` names its pane and `$TMUX` its tmux server) with the
event's JSON on stdin. It adds the pane and the time and drops the event as one file into the hub's
spool folder, `<data folder>/claude-hooks/<tmux server>/<pane number>/`, which `bridge.claude_hooks`
reads. It never slows or blocks Claude Code: standard library only (no Django; started with
`python -I -S`: a Python start, 50 ms on a quiet machine), nothing on stdout or stderr (a
UserPromptSubmit hook's stdout would be added to the prompt), exit status 0 whatever happens (the
spool folder missing because the hub was never set up, a full disk, a payload too big or not JSON, no
`$TMUX_PANE`), and it gives up after
`DEADLINE` seconds. The spool is bounded: payloads over `MAX_PAYLOAD` bytes are dropped, a pane
keeps its newest `MAX_EVENTS` events, and when a pane reports for the first time the folders of panes
silent for `STALE_DAYS` go. A folder, not a socket: the events wait there while the hub is
down, any number of hub processes read them, and nothing listens that another user could reach.

Permissions are answered with keystrokes, not through PermissionRequest's decision output: a hook
decides only while it runs, so answering that way would hold Claude Code until a person on the web
answered (minutes) and still fall back to the dialog when the hook's timeout ends; the dialog stays
the one place where the person at the keyboard and the hub answer alike. The PermissionRequest and
Notification events are the signal that a dialog is asked, for which tool, with which input.

    python -I -S bridge/claude_hook.py SPOOL   < payload.json
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

MAX_PAYLOAD = 2 * 1024 * 1024  # bytes of JSON read from stdin (a 64 KiB prompt, a long reply)
MAX_EVENTS = 200  # files kept per pane: the oldest go first
STALE_DAYS = 7  # a pane folder without a newer event is a pane long gone (tmux never reuses an id)
DEADLINE = 4  # seconds before the hook gives up (Claude Code waits 5: claude_settings.TIMEOUT)


def server_key(socket_path: str) -> str:
    """The spool's folder name for a tmux server: pane ids (`%3`) are only unique within one."""
    return hashlib.sha256(os.path.realpath(socket_path).encode()).hexdigest()[:16]


def pane_folder(spool: Path, socket_path: str, pane_id: str) -> Path:
    return spool / server_key(socket_path) / pane_id.removeprefix("%")


def _event(raw: bytes, pane_id: str) -> bytes | None:
    try:
        payload: Any = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    payload["tmuxhub"] = {"pane": pane_id, "time_ns": time.time_ns()}
    return json.dumps(payload).encode()


def _prune(folder: Path) -> None:
    names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".json"))
    for name in names[: max(0, len(names) - MAX_EVENTS + 1)]:
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _prune_panes(server: Path, keep: Path) -> None:
    """Remove the folders of panes silent for STALE_DAYS (a folder still being made is left alone)."""
    cutoff = time.time_ns() - STALE_DAYS * 86400 * 10**9
    for pane in os.scandir(server):
        if pane.path == str(keep) or not pane.is_dir(follow_symlinks=False):
            continue
        stamps = [int(name[:20]) for name in os.listdir(pane.path) if name[:20].isdigit()]
        if stamps and max(stamps) < cutoff:
            for name in os.listdir(pane.path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(pane.path, name))
            with contextlib.suppress(OSError):
                os.rmdir(pane.path)


def deliver(spool: Path, raw: bytes, environ: dict[str, str]) -> Path | None:
    """Write the event into the pane's spool folder; the file, or None when there is nothing to do."""
    pane_id, tmux = environ.get("TMUX_PANE", ""), environ.get("TMUX", "")
    if not spool.is_dir() or not pane_id[1:].isdigit() or not pane_id.startswith("%") or not tmux:
        return None
    if len(raw) > MAX_PAYLOAD or (event := _event(raw, pane_id)) is None:
        return None
    folder = pane_folder(spool, tmux.split(",")[0], pane_id)
    if not folder.is_dir():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _prune_panes(folder.parent, folder)
    _prune(folder)
    name = f"{time.time_ns():020d}-{os.getpid()}"
    partial = folder / f".{name}.partial"
    partial.write_bytes(event)
    return partial.replace(folder / f"{name}.json")  # readers never see half an event


def _give_up(*_: object) -> None:
    os._exit(0)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGALRM, _give_up)
    signal.alarm(DEADLINE)
    with contextlib.suppress(Exception):
        if len(argv) == 2:
            raw = sys.stdin.buffer.read(MAX_PAYLOAD + 1)
            deliver(Path(argv[1]), raw, dict(os.environ))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
