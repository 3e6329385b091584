"""How the hub reaches tmux: the socket, the argv escaping, one `tmux` process per change (`run`)
and reads over the process's control-mode client (`read`). Every call is bounded by
`TMUXHUB_TMUX_TIMEOUT`; a failure is a BridgeError that says what to do."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
from collections.abc import Sequence
from typing import TypeVar

from django.conf import settings

from .. import control_mode
from ..exceptions import BridgeError, NoServer, ServerExiting

SEP = "\x1f"  # between format fields: tmux passes it through, and no name we accept contains it
T = TypeVar("T")
# "no current target": the server has no session left and waits for its clients to leave.
_NO_SERVER = ("no server running", "error connecting to", "No such file or directory", "no current target")
# What a client says when the server it reached was exiting (its last session had just ended).
_EXITING = "server exited unexpectedly"


def socket_args() -> list[str]:
    """tmux's own flags for the configured socket: `-S path` or `-L name`."""
    socket = settings.TMUXHUB_TMUX_SOCKET
    if not socket:
        return []
    return ["-S", socket] if "/" in socket else ["-L", socket]


def socket_path() -> str:
    """The socket file the hub's tmux server listens on (what `$TMUX` names inside its panes)."""
    socket = settings.TMUXHUB_TMUX_SOCKET
    if "/" in socket:
        return os.path.realpath(socket)
    folder = os.environ.get("TMUX_TMPDIR", "/tmp")  # noqa: S108 (tmux's own default)
    return os.path.realpath(os.path.join(folder, f"tmux-{os.getuid()}", socket or "default"))


def literal(arg: str) -> str:
    """`arg` as tmux's argv parser must see it to hand it on unchanged.

    tmux (cmd-parse.c) reads an argument ending in ';' as the end of a command: `send-keys -l 'ls;'`
    types `ls`, and whatever arguments follow become a tmux command of their own. Only an ending
    '\\;' is taken literally, as ';'. So a trailing ';' is sent as '\\;' (`x\\;` arrives as `x\\;`).
    """
    return f"{arg[:-1]}\\;" if arg.endswith(";") else arg


def run_sync(args: Sequence[str], stdin: bytes | None = None) -> str:
    """Run tmux on the hub's socket; its stdout, or BridgeError with tmux's complaint.

    An argument that is exactly ";" separates commands (`a ; b` runs both); every other argument,
    caller text included, reaches its command unchanged (see `literal`).
    """
    argv = [arg if arg == ";" else literal(arg) for arg in args]
    try:
        result = subprocess.run(
            ["tmux", *socket_args(), *argv],
            input=stdin,
            capture_output=True,
            timeout=settings.TMUXHUB_TMUX_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BridgeError(
            f"tmux did not answer within {settings.TMUXHUB_TMUX_TIMEOUT:g}s; it may be stuck, try again"
        ) from exc
    except OSError as exc:
        raise BridgeError(f"cannot run tmux ({exc}); is tmux installed on the hub's machine?") from exc
    if result.returncode != 0:
        error = result.stderr.decode(errors="replace").strip() or f"exit status {result.returncode}"
        if _EXITING in error:
            raise ServerExiting(
                "no tmux server is running on the hub's socket (it was exiting: its last session had "
                "just ended); create a session first (create_session)"
            )
        if any(marker in error for marker in _NO_SERVER):
            raise NoServer(_explain(error))
        raise BridgeError(_explain(error))
    return result.stdout.decode(errors="replace")


async def run(*args: str, stdin: bytes | None = None) -> str:
    return await asyncio.to_thread(run_sync, args, stdin)


def _control() -> control_mode.ControlClient:
    """The process's control-mode client. Attached to a session like any client, so tmux runs the
    `client-attached` hook when it (re)connects, and a program in that session's active pane that
    asked for focus reports gets a focus-in (tmux 3.3a has no client flag against either)."""
    return control_mode.shared_client(socket_args(), settings.TMUXHUB_TMUX_TIMEOUT)


async def read(*args: str) -> str:
    """A read-only command over the persistent control-mode connection (no process per call),
    or a subprocess when that connection is unavailable (no session to attach to, queue full...)."""
    try:
        return await _control().acommand(args)
    except control_mode.TmuxCommandError as exc:
        raise BridgeError(_explain(str(exc))) from exc
    except control_mode.ControlModeTimeout as exc:
        raise BridgeError(f"{exc}; the tmux server may be stuck, try again") from exc
    except control_mode.ControlModeUnavailable:  # CannotSend included: a subprocess takes any argument
        return await run(*args)


def _explain(error: str) -> str:
    if any(marker in error for marker in _NO_SERVER):
        return "no tmux server is running on the hub's socket; create a session first (create_session)"
    if error.startswith(("can't find", "no such")):
        return f"tmux says: {error}. List what exists with tmux_list_sessions, list_windows or list_panes."
    return f"tmux says: {error}"


def ping() -> int:
    """Number of sessions on the hub's tmux server; raises BridgeError when it does not answer."""
    try:
        return len(run_sync(["list-sessions", "-F", "#{session_id}"]).split())
    except BridgeError as exc:
        # Said to an operator (/healthz), not to a model: name the command that fixes it.
        raise BridgeError(f"{exc}; start one with `tmux {' '.join(socket_args())} new -d`") from exc


def exact(target: str) -> str:
    """A validated target (see `schemas`) in the form tmux matches exactly, never by prefix."""
    return target if target[0] in "$@%" else f"={target}"


def ensure_server(session: str = "tmuxhub") -> None:
    """Start a server with one detached session when none answers: a tmux server exits with its
    last session, and the tools need one. A failure is left for /healthz to report."""
    try:
        ping()
    except BridgeError:
        with contextlib.suppress(BridgeError):
            run_sync(["new-session", "-d", "-s", session])


def format_rows(output: str, width: int) -> list[list[str]]:
    """The rows of a `-F` listing whose fields are joined by SEP; a row of another width (a name
    holding a line break) is dropped."""
    rows = [line.split(SEP) for line in output.splitlines() if line]
    return [row for row in rows if len(row) == width]
