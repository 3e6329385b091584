"""The tmux service layer: the one module that names the tmux commands the hub runs.

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
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import subprocess
import time
from collections.abc import Sequence
from typing import Literal, TypeVar

from django.conf import settings

from . import control_mode
from .exceptions import BridgeError, NoServer, ServerExiting
from .schemas import PaneInfo, SessionInfo, WindowInfo

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


def _rows(output: str, width: int) -> list[list[str]]:
    rows = [line.split(SEP) for line in output.splitlines() if line]
    return [row for row in rows if len(row) == width]


async def _list(*args: str, fields: Sequence[str]) -> list[list[str]]:
    try:
        output = await read(*args, "-F", SEP.join(f"#{{{field}}}" for field in fields))
    except NoServer:
        return []
    return _rows(output, len(fields))


SESSION_FIELDS = (
    "session_id",
    "session_name",
    "session_windows",
    "session_attached_list",
    "session_created",
    "session_activity",
)


async def list_sessions() -> list[SessionInfo]:
    rows = await _list("list-sessions", fields=SESSION_FIELDS)
    own = control_mode.own_client_names()  # the hub's own clients are not someone looking at it
    return [
        SessionInfo(
            id=r[0],
            name=r[1],
            windows=int(r[2]),
            attached=any(client and client not in own for client in r[3].split(",")),
            created=int(r[4]),
            activity=int(r[5]),
        )
        for r in rows
    ]


WINDOW_FIELDS = (
    "session_name",
    "session_id",
    "window_id",
    "window_index",
    "window_name",
    "window_active",
    "window_panes",
    "window_layout",
    "window_zoomed_flag",
)


async def list_windows(session: str | None = None) -> list[WindowInfo]:
    scope = ["-t", exact(session)] if session else ["-a"]
    rows = await _list("list-windows", *scope, fields=WINDOW_FIELDS)
    return [
        WindowInfo(
            session=r[0],
            session_id=r[1],
            id=r[2],
            index=int(r[3]),
            name=r[4],
            active=r[5] == "1",
            panes=int(r[6]),
            layout=r[7],
            zoomed=r[8] == "1",
            target=f"{r[0]}:{r[3]}",
        )
        for r in rows
    ]


PANE_FIELDS = (
    "session_name",
    "session_id",
    "window_id",
    "window_index",
    "window_name",
    "pane_id",
    "pane_index",
    "pane_active",
    "pane_current_command",
    "pane_current_path",
    "pane_pid",
    "pane_width",
    "pane_height",
    "pane_title",
    "pane_dead",
    "alternate_on",
)


async def list_panes(*, session: str | None = None, window: str | None = None) -> list[PaneInfo]:
    if window:
        scope = ["-t", exact(window)]
    elif session:
        scope = ["-s", "-t", exact(session)]
    else:
        scope = ["-a"]
    rows = await _list("list-panes", *scope, fields=PANE_FIELDS)
    return [
        PaneInfo(
            session=r[0],
            session_id=r[1],
            window_id=r[2],
            window_index=int(r[3]),
            window_name=r[4],
            id=r[5],
            index=int(r[6]),
            active=r[7] == "1",
            current_command=r[8],
            current_path=r[9],
            pid=int(r[10] or 0),
            width=int(r[11]),
            height=int(r[12]),
            title=r[13],
            dead=r[14] == "1",
            full_screen=r[15] == "1",
            target=f"{r[0]}:{r[3]}.{r[6]}",
        )
        for r in rows
    ]


async def display(target: str, *fields: str) -> list[str]:
    """Values of tmux format fields (our constants, never caller input) for one pane or window."""
    output = await read("display-message", "-p", "-t", exact(target), SEP.join(f"#{{{f}}}" for f in fields))
    values = output.rstrip("\n").split(SEP)
    if len(values) != len(fields):
        raise BridgeError(f"unexpected answer from tmux for {target}; try again")
    return values


async def pane_id(target: str) -> str:
    return (await display(target, "pane_id"))[0]


async def capture(target: str, lines: int | None, *, ansi: bool = False) -> list[str]:
    """The pane's last `lines` lines, oldest first: wrapped lines joined, trailing blank lines dropped.
    `lines=None`: the visible screen only (a full-screen program's, without the history above it).

    tmux's `-S -N` gives N history lines *plus* the screen, so the tail is cut here to exactly N.
    """
    args = ["capture-pane", "-p", "-J", "-t", exact(target)]
    if lines is not None:
        args += ["-S", f"-{lines}"]
    if ansi:
        args.append("-e")
    rows = [row.rstrip() for row in (await read(*args)).split("\n")]
    while rows and not rows[-1]:
        rows.pop()
    return rows if lines is None else rows[-lines:]


async def screen(target: str) -> tuple[list[str], int]:
    """The visible screen, row by row (not joined), and the cursor's row, from the same instant.

    One `a ; b` command list in one process: tmux runs both back to back, so the cursor belongs to
    the rows read. Over control mode each command answers in a block of its own and pane output
    can land between them, pairing the screen with a later cursor; this runs on `tmux_send_prompt`'s
    verification polls (10 a second at most), where a process costs nothing that matters.
    """
    pane = exact(target)
    output = await run(
        "capture-pane", "-p", "-t", pane, ";", "display-message", "-p", "-t", pane, "#{cursor_y}"
    )
    *rows, cursor = output.rstrip("\n").split("\n")
    return rows, int(cursor)


async def visible(target: str) -> tuple[str, str]:
    """The visible screen and the cursor's position, each over the control-mode connection: what a
    wait compares to tell whether a pane changed (two commands, so not of one instant; see `screen`)."""
    pane = exact(target)
    text = await read("capture-pane", "-p", "-t", pane)
    cursor = await read("display-message", "-p", "-t", pane, "#{cursor_x},#{cursor_y}")
    return text, cursor


async def rows(target: str) -> list[str]:
    """The visible screen row by row (not joined), over the control-mode connection; no cursor."""
    return (await read("capture-pane", "-p", "-t", exact(target))).rstrip("\n").split("\n")


_DEAD = "tmuxhub: the pane is dead"


async def paste(target: str, text: str) -> None:
    """Type `text` as one bracketed paste (when the program asked for it): exact, any first char.

    tmux 3.3a crashes its whole server on `paste-buffer` into a dead pane (one `remain-on-exit`
    keeps after its program exited), so the pane is checked in the same command list: tmux runs
    the check and the paste back to back, leaving no moment for the program to exit in between.
    """
    buffer = f"tmuxhub-{secrets.token_hex(6)}"
    pane = exact(target)  # validated: no quote, space or '$' expansion inside the single quotes
    output = await run(
        "load-buffer", "-b", buffer, "-", ";",
        "if-shell", "-F", "-t", pane, "#{pane_dead}",
        f"delete-buffer -b {buffer} ; display-message -p '{_DEAD}'",
        f"paste-buffer -d -p -b {buffer} -t '{pane}'",
        stdin=text.encode(),
    )  # fmt: skip
    if _DEAD in output:
        raise BridgeError(
            f"the pane's program has exited ({target} is kept by remain-on-exit and takes no input); "
            "start a program in another pane (split_window, create_window) or remove it with kill_pane"
        )


async def send_literal(target: str, text: str) -> None:
    await run("send-keys", "-t", exact(target), "-l", "--", text)


async def send_keys(target: str, keys: Sequence[str], repeat: int = 1) -> None:
    await run("send-keys", "-t", exact(target), "-N", str(repeat), "--", *keys)


def own_pane() -> str | None:
    """The pane this hub runs in, when it runs inside a pane of its own tmux server."""
    inside = os.environ.get("TMUX", "")
    pane = os.environ.get("TMUX_PANE", "")
    if not inside or not pane:
        return None
    return pane if os.path.realpath(inside.split(",")[0]) == socket_path() else None


async def refuse_own_pane(kind: Literal["pane", "window", "session"], target: str) -> None:
    """BridgeError when the target is, or holds, the hub's own pane: killing it would kill the hub."""
    own = own_pane()
    if own is None:
        return
    if kind == "pane":
        panes = [await pane_id(target)]
    else:
        scope = ["-s", "-t", exact(target)] if kind == "session" else ["-t", exact(target)]
        panes = (await read("list-panes", *scope, "-F", "#{pane_id}")).split()
    if own in panes:
        raise BridgeError(
            f"refusing to kill {kind} {target}: the hub itself runs in pane {own}. Pick another."
        )


def _created(new_id: str, found: list[T]) -> T:
    if not found:
        raise BridgeError(f"{new_id} was created but is already gone: its command exited at once")
    return found[0]


async def _new_server_session(args: list[str]) -> str:
    """Run `new-session`, also just after the last session ended: a server with clients attached
    (the control-mode clients of every hub process, people's terminals) takes a moment to exit,
    and a command reaching it then fails. Once it has gone, tmux starts a fresh server."""
    deadline = time.monotonic() + settings.TMUXHUB_TMUX_TIMEOUT
    while True:
        try:
            return (await run(*args)).strip()
        except ServerExiting:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


async def new_session(
    name: str | None, command: str | None, directory: str | None, width: int, height: int
) -> SessionInfo:
    args = ["new-session", "-d", "-P", "-F", "#{session_id}", "-x", str(width), "-y", str(height)]
    if name:
        args += ["-s", name]
    if directory:
        args += ["-c", directory]
    if command:
        args.append(command)
    session_id = await _new_server_session(args)
    return _created(session_id, [s for s in await list_sessions() if s.id == session_id])


async def new_window(
    session: str, name: str | None, command: str | None, directory: str | None
) -> WindowInfo:
    args = ["new-window", "-d", "-P", "-F", "#{window_id}", "-t", exact(session) + ":"]
    if name:
        args += ["-n", name]
    if directory:
        args += ["-c", directory]
    if command:
        args.append(command)
    window_id = (await run(*args)).strip()
    return _created(window_id, [w for w in await list_windows(session) if w.id == window_id])


async def split(
    target: str, direction: str, percent: int | None, command: str | None, directory: str | None
) -> PaneInfo:
    flag = {"right": ["-h"], "left": ["-h", "-b"], "below": ["-v"], "above": ["-v", "-b"]}[direction]
    args = ["split-window", "-d", "-P", "-F", "#{pane_id}", *flag, "-t", exact(target)]
    if percent:
        args += ["-l", f"{percent}%"]
    if directory:
        args += ["-c", directory]
    if command:
        args.append(command)
    new_id = (await run(*args)).strip()
    return _created(new_id, [p for p in await list_panes() if p.id == new_id])


# --- changing sessions, windows and panes -----------------------------------------------------------


async def rename_session(session: str, name: str) -> None:
    await run("rename-session", "-t", exact(session), name)


async def kill_session(session: str) -> None:
    await run("kill-session", "-t", exact(session))


async def rename_window(window: str, name: str) -> None:
    await run("rename-window", "-t", exact(window), name)


async def kill_window(window: str) -> None:
    await run("kill-window", "-t", exact(window))


async def select_layout(window: str, layout: str) -> None:
    await run("select-layout", "-t", exact(window), layout)


async def resize_pane(pane: str, width: int | None = None, height: int | None = None) -> None:
    size = [*(["-x", str(width)] if width else []), *(["-y", str(height)] if height else [])]
    await run("resize-pane", "-t", exact(pane), *size)


async def zoom_pane(pane: str, zoom: bool) -> None:
    """Zoom the pane to fill its window (or unzoom it); nothing when it already is as asked."""
    if ((await display(pane, "window_zoomed_flag"))[0] == "1") != zoom:
        await run("resize-pane", "-Z", "-t", exact(pane))


async def kill_pane(pane: str) -> None:
    await run("kill-pane", "-t", exact(pane))


async def environment(session: str | None = None) -> list[tuple[str, str | None]]:
    """The environment tmux gives new panes (global, or a session's own) as (name, value) pairs;
    the value is None for a variable marked as removed."""
    output = await run("show-environment", *(["-t", exact(session)] if session else ["-g"]))
    variables: list[tuple[str, str | None]] = []
    for line in output.splitlines():
        if line.startswith("-"):
            variables.append((line[1:], None))
        else:
            name, _, value = line.partition("=")
            variables.append((name, value))
    return variables


# --- windows that run one program, with state kept in window options (SSH sessions) ----------------

# Interpolated into tmux command strings (`if-shell`) below: checked, so they can never end a quote,
# start a format or a new command.
_WINDOW_ID = re.compile(r"@\d{1,9}")
_OPTION = re.compile(r"@[a-z][a-z0-9_]{0,63}|remain-on-exit")
_TOKEN = re.compile(r"[0-9a-f]{1,64}")


def _checked(pattern: re.Pattern[str], value: str) -> str:
    if not pattern.fullmatch(value):
        raise ValueError(f"{value!r} may not go into a tmux command string")
    return value


async def window_rows(session: str, fields: Sequence[str]) -> list[dict[str, str]]:
    """The format `fields` (constants, user options like `@name` too) of every window of `session`,
    one dict per window; [] when the session or the server does not exist."""
    try:
        output = await run(
            "list-windows", "-t", exact(session), "-F", SEP.join(f"#{{{field}}}" for field in fields)
        )
    except BridgeError as exc:
        if isinstance(exc, NoServer) or "can't find session" in str(exc):
            return []
        raise
    return [dict(zip(fields, row, strict=True)) for row in _rows(output, len(fields))]


async def set_window_option(window: str, name: str, value: str | None) -> None:
    """Set a window option (a user option `@name`, or a tmux one), or unset it with None."""
    if value is None:
        await run("set-option", "-w", "-u", "-t", exact(window), name)
    else:
        await run("set-option", "-w", "-t", exact(window), name, value)


async def open_window(
    session: str, name: str, argv: Sequence[str], options: dict[str, str], size: tuple[int, int] = (160, 48)
) -> tuple[str, str]:
    """A detached window `name` in `session` running `argv` (several arguments: tmux execs it, no
    `sh -c`), with `remain-on-exit` and `options` set in the same command list as its creation, so a
    program that fails at once leaves its window and message to read. Creates the session (of
    `size`) when it does not exist. Returns (window id, pane id)."""
    window = f"={session}:={name}"
    settings_args: list[str] = [";", "set-option", "-w", "-t", window, "remain-on-exit", "on"]
    for key, value in options.items():
        settings_args += [";", "set-option", "-w", "-t", window, key, value]
    fields = "#{window_id}" + SEP + "#{pane_id}"
    try:
        created = await run("new-window", "-d", "-P", "-F", fields, "-t", f"={session}:", "-n", name,
                            *argv, *settings_args)  # fmt: skip
    except BridgeError as exc:
        if "can't find session" not in str(exc) and not isinstance(exc, NoServer):
            raise
        created = await run(
            "new-session", "-d", "-P", "-F", fields, "-s", session, "-x", str(size[0]), "-y", str(size[1]),
            "-n", name, *argv, *settings_args,
        )  # fmt: skip
    window_id, pane_id = created.strip().split(SEP)
    return window_id, pane_id


async def take_window_lock(window: str, option: str, token: str, hold: float) -> bool:
    """Try to take the lock kept in the window's user option `option`: True when `token` holds it.

    tmux tests and sets it in one step (`if-shell -F`), so two callers, in any hub process, never
    both take it. `{option}_until` carries an expiry, so a holder that died does not block for ever.
    """
    window, option, token = _checked(_WINDOW_ID, window), _checked(_OPTION, option), _checked(_TOKEN, token)
    until, now = f"{option}_until", int(time.time())
    free = f"#{{||:#{{==:#{{{option}}},}},#{{e|<:#{{{until}}},{now}}}}}"
    expiry = now + int(hold) + 1
    take = f"set-option -w -t {window} {option} {token} ; set-option -w -t {window} {until} {expiry}"
    holder = await run(
        "if-shell",
        "-F",
        "-t",
        window,
        free,
        take,
        ";",
        "display-message",
        "-p",
        "-t",
        window,
        f"#{{{option}}}",
    )
    return holder.strip() == token


async def release_window_lock(window: str, option: str, token: str) -> None:
    """Give the lock back if `token` still holds it; nothing when the window has gone."""
    window, option, token = _checked(_WINDOW_ID, window), _checked(_OPTION, option), _checked(_TOKEN, token)
    with contextlib.suppress(BridgeError):
        await run(
            "if-shell",
            "-F",
            "-t",
            window,
            f"#{{==:#{{{option}}},{token}}}",
            f"set-option -w -u -t {window} {option}",
        )


async def capture_raw(target: str, start: str | None = None) -> list[str]:
    """The pane's lines as tmux prints them (wrapped lines joined, trailing spaces kept), from history
    line `start` (`-` for all of it, `-N`) or from the top of the screen."""
    args = ["capture-pane", "-p", "-J", "-t", exact(target)]
    if start is not None:
        args += ["-S", start]
    return (await run(*args)).splitlines()


async def screen_and_exit(target: str) -> tuple[list[str], bool]:
    """The visible screen (wrapped lines joined) and whether the pane's program has exited, from one
    command list; ([], True) when the pane, or the whole server, is gone."""
    pane = exact(target)
    try:
        output = await run("display-message", "-p", "-t", pane, "#{pane_dead}", ";",
                           "capture-pane", "-p", "-J", "-t", pane)  # fmt: skip
    except BridgeError as exc:
        if isinstance(exc, NoServer) or "can't find" in str(exc):
            return [], True
        raise
    dead, *rows = output.splitlines()
    return rows, dead == "1"


TYPE_CHUNK = 8000  # bytes: one tmux command must fit in a 16 KiB message from client to server


async def type_text(target: str, text: str) -> None:
    """Type `text` as keystrokes (`send-keys -l`), in pieces tmux accepts; any text, any length.

    For panes whose program can exit at any moment (SSH windows): tmux 3.3a crashes, whole server
    and all, on `paste-buffer` into a dead pane. A trailing ';' of a piece is escaped by `run_sync`.
    """
    pane = exact(target)
    start = 0
    while start < len(text):
        piece = text[start : start + TYPE_CHUNK]
        while len(piece.encode()) > TYPE_CHUNK:
            piece = piece[: len(piece) // 2]
        await run("send-keys", "-l", "-t", pane, "--", piece)
        start += len(piece)


# --- steering from afar: focus, arrangement, restarts, copy mode, options, channels, pipes ----------


async def select_pane(pane: str) -> None:
    """Make the pane the active one of its window, and its window the current one of its session."""
    target = exact(pane)
    await run("select-window", "-t", target, ";", "select-pane", "-t", target)


async def swap_panes(pane: str, other: str) -> None:
    await run("swap-pane", "-d", "-s", exact(pane), "-t", exact(other))


async def move_window(window: str, session: str, index: int | None) -> None:
    destination = exact(session) + ":" + ("" if index is None else str(index))
    await run("move-window", "-d", "-s", exact(window), "-t", destination)


async def resize_window(window: str, width: int | None, height: int | None) -> None:
    size = [*(["-x", str(width)] if width else []), *(["-y", str(height)] if height else [])]
    await run("resize-window", "-t", exact(window), *size)


async def set_pane_title(pane: str, title: str) -> None:
    # tmux expands formats in -T (`#(...)` would run a shell command): '##' is a literal '#'.
    await run("select-pane", "-t", exact(pane), "-T", title.replace("#", "##"))


async def respawn_pane(pane: str, command: str | None, directory: str | None) -> None:
    """Kill what runs in the pane (if anything) and start `command` (or the default shell) there."""
    args = ["respawn-pane", "-k", "-t", exact(pane)]
    if directory:
        args += ["-c", directory]
    await run(*args, *([command] if command else []))


async def copy_mode(pane: str, enter: bool) -> bool:
    """Put the pane in copy mode or take it out; whether it was in a mode before."""
    target = exact(pane)
    was = (await display(pane, "pane_in_mode"))[0] == "1"
    if enter and not was:
        await run("copy-mode", "-t", target)
    elif not enter and was:
        await run("send-keys", "-X", "-t", target, "cancel")
    return was


SNAPSHOT_FIELDS = (
    "pane_id", "cursor_x", "cursor_y", "pane_in_mode", "pane_mode", "alternate_on", "pane_width",
    "pane_height", "pane_title", "pane_current_command", "pane_current_path", "pane_dead",
    "history_size", "scroll_position",
)  # fmt: skip


async def snapshot(pane: str) -> tuple[dict[str, str], list[str]]:
    """The pane's state (`SNAPSHOT_FIELDS`) and its visible rows, from one command list (one instant)."""
    target = exact(pane)
    output = await run(
        "display-message", "-p", "-t", target, SEP.join(f"#{{{f}}}" for f in SNAPSHOT_FIELDS), ";",
        "capture-pane", "-p", "-t", target,
    )  # fmt: skip
    first, _, rest = output.partition("\n")
    values = first.split(SEP)
    if len(values) != len(SNAPSHOT_FIELDS):
        raise BridgeError(f"unexpected answer from tmux for {pane}; try again")
    rows = rest.split("\n")
    while rows and not rows[-1].strip():
        rows.pop()
    return dict(zip(SNAPSHOT_FIELDS, values, strict=True)), rows


async def formats(target: str | None, fields: Sequence[str]) -> dict[str, str]:
    """Values of tmux format `fields` (callers pass names from a fixed list, never free text) for a
    target, or for the current session's when none is given."""
    scope = ["-t", exact(target)] if target else []
    output = await read("display-message", "-p", *scope, SEP.join(f"#{{{f}}}" for f in fields))
    values = output.rstrip("\n").split(SEP)
    if len(values) != len(fields):
        raise BridgeError("unexpected answer from tmux; try again")
    return dict(zip(fields, values, strict=True))


def _option_target(target: str) -> str:
    """`exact(target)` as set-option and show-options find it: tmux (3.3a) looks an option's target up
    as a window, where "=main" is "no such session"; "=main:" (the session's current window) names
    the same session, and its window for window options."""
    found = exact(target)
    return f"{found}:" if found.startswith("=") and ":" not in found else found


def _option_scope(scope: str, target: str | None) -> list[str]:
    flag = {"server": "-s", "session": "", "window": "-w", "pane": "-p"}[scope]
    where = ["-t", _option_target(target)] if target else ["-g"] if scope != "server" else []
    return [*([flag] if flag else []), *where]


async def show_options(scope: str, target: str | None, name: str | None) -> list[tuple[str, str]]:
    """(name, value) of the options (hooks too) of a scope: global, or a target's own."""
    output = await read("show-options", "-H", *_option_scope(scope, target), *([name] if name else []))
    options = []
    for line in output.splitlines():
        key, _, value = line.partition(" ")
        options.append((key, value.strip('"') if value.startswith('"') else value))
    return options


async def set_option(scope: str, target: str | None, name: str, value: str | None) -> None:
    """Set (or unset, with None) an option; callers allow only names and values from a fixed list."""
    unset = ["-u"] if value is None else []
    await run(
        "set-option", *unset, *_option_scope(scope, target), name, *([value] if value is not None else [])
    )


async def set_environment(session: str | None, name: str, value: str | None) -> None:
    scope = ["-t", exact(session)] if session else ["-g"]
    await run("set-environment", *scope, *(["-u", name] if value is None else [name, value]))


async def signal_channel(channel: str) -> None:
    await run("wait-for", "-S", channel)


async def wait_for_channel(channel: str, timeout: float) -> bool:
    """Wait until `channel` is signalled (True) or `timeout` passes (False). A `tmux wait-for`
    process of its own, awaited on the event loop: a long wait holds no thread."""
    process = await asyncio.create_subprocess_exec(
        "tmux", *socket_args(), "wait-for", channel,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, error = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        return False
    finally:
        if process.returncode is None:  # timed out, or the call was cancelled: the waiter goes with it
            process.kill()
            await process.wait()
    if process.returncode != 0:
        raise BridgeError(_explain(error.decode(errors="replace").strip()))
    return True


async def pipe_pane(pane: str, shell_command: str | None) -> None:
    """Send what the pane's program writes to `shell_command` (run by /bin/sh, built by the caller
    from constants and quoted paths), or stop the pane's pipe with None."""
    await run("pipe-pane", "-t", exact(pane), *([shell_command.replace("#", "##")] if shell_command else []))
