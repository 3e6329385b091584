"""The tmux service layer: the one package that names the tmux commands the hub runs.

Tools, SSH sessions, the CLI and the admin call the functions here (`capture`, `kill_pane`,
`set_window_option`, `take_window_lock`, ...); none of them builds a tmux argv. Everything is
confined to the configured socket and bounded by `TMUXHUB_TMUX_TIMEOUT`, and caller text is escaped
in one place: `run_sync` applies `literal` to every argument.

Two ways to reach tmux:
- `read()`: read-only commands over one persistent control-mode client per process
  (`bridge/control_mode.py`), no process per call; a `tmux` subprocess when that client is
  unavailable or the command cannot go over it (too long, a quote or a control character).
- `run()`: one `tmux` process per call, with an argv list (never a shell string), for everything
  that changes state, takes stdin (`load-buffer -`), or must run as one command list (`a ; b`):
  tmux runs a list back to back, where control mode would answer each command in a block of its
  own. The SSH windows' reads (`window_rows`, `capture_raw`) and `environment` use it too. Async
  callers get it in a worker thread, so a slow tmux never blocks the event loop.

Waits follow pane output over control-mode clients of their own (`bridge/watch.py`), attached to the
session they watch; what they read, they read through this module.

Why not libtmux's object model here: its `tmux_cmd` has no timeout, and a lookup such as
`server.panes.get(pane_id=...)` spawns several tmux processes where one `capture-pane` or
`list-panes -F` does. libtmux stays the tests' handle on the server (the `tmux` fixture), and the
format names below are the ones it uses.

Its parts: `transport` (the socket, `run`, `read`), `objects` (sessions, windows and panes),
`ssh_windows` (windows that keep their state in options) and `controls` (steering from afar).
Callers use the names gathered here (`tmux.capture`, `tmux.kill_pane`, ...).
"""

from __future__ import annotations

from .controls import (
    SNAPSHOT_FIELDS,
    copy_mode,
    formats,
    move_window,
    pipe_pane,
    resize_window,
    respawn_pane,
    select_pane,
    set_environment,
    set_option,
    set_pane_title,
    show_options,
    signal_channel,
    snapshot,
    swap_panes,
    wait_for_channel,
)
from .objects import (
    PANE_FIELDS,
    SESSION_FIELDS,
    WINDOW_FIELDS,
    capture,
    display,
    environment,
    kill_pane,
    kill_session,
    kill_window,
    list_panes,
    list_sessions,
    list_windows,
    new_session,
    new_window,
    own_pane,
    pane_id,
    paste,
    refuse_own_pane,
    rename_session,
    rename_window,
    resize_pane,
    rows,
    screen,
    select_layout,
    send_keys,
    send_literal,
    split,
    visible,
    zoom_pane,
)
from .ssh_windows import (
    TYPE_CHUNK,
    capture_raw,
    open_window,
    release_window_lock,
    screen_and_exit,
    set_window_option,
    take_window_lock,
    type_text,
    window_rows,
)
from .transport import SEP, ensure_server, exact, literal, ping, read, run, run_sync, socket_args, socket_path

__all__ = [
    "PANE_FIELDS",
    "SEP",
    "SESSION_FIELDS",
    "SNAPSHOT_FIELDS",
    "TYPE_CHUNK",
    "WINDOW_FIELDS",
    "capture",
    "capture_raw",
    "copy_mode",
    "display",
    "ensure_server",
    "environment",
    "exact",
    "formats",
    "kill_pane",
    "kill_session",
    "kill_window",
    "list_panes",
    "list_sessions",
    "list_windows",
    "literal",
    "move_window",
    "new_session",
    "new_window",
    "open_window",
    "own_pane",
    "pane_id",
    "paste",
    "ping",
    "pipe_pane",
    "read",
    "refuse_own_pane",
    "release_window_lock",
    "rename_session",
    "rename_window",
    "resize_pane",
    "resize_window",
    "respawn_pane",
    "rows",
    "run",
    "run_sync",
    "screen",
    "screen_and_exit",
    "select_layout",
    "select_pane",
    "send_keys",
    "send_literal",
    "set_environment",
    "set_option",
    "set_pane_title",
    "set_window_option",
    "show_options",
    "signal_channel",
    "snapshot",
    "socket_args",
    "socket_path",
    "split",
    "swap_panes",
    "take_window_lock",
    "type_text",
    "visible",
    "wait_for_channel",
    "window_rows",
    "zoom_pane",
]
