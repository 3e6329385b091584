"""Persistent SSH sessions, each a tmux window of the hub running `ssh` (see `session`).

`session`: open, list, run a command, look, close; `protocol`: the marker protocol that runs a
command in a shell and reads its output and status (shared with `run_command`); `files`: reading and
writing remote files through the terminal; `policy`: the owner's command guard rail. Typed inputs
and results live in `bridge.schemas`.
"""

from .files import read_file, write_file
from .policy import check_command
from .session import close_session, list_sessions, open_session, send_command, snapshot

__all__ = [
    "check_command",
    "close_session",
    "list_sessions",
    "open_session",
    "read_file",
    "send_command",
    "snapshot",
    "write_file",
]
