"""Sessions, windows and panes: listing them, reading and typing into a pane, creating, changing and
ending them."""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Sequence
from typing import Literal, TypeVar

from django.conf import settings

from .. import control_mode
from ..exceptions import BridgeError, NoServer, ServerExiting
from ..schemas import PaneInfo, SessionInfo, WindowInfo
from .transport import SEP, exact, format_rows, read, run, socket_path

T = TypeVar("T")


async def _list(*args: str, fields: Sequence[str]) -> list[list[str]]:
    try:
        output = await read(*args, "-F", SEP.join(f"#{{{field}}}" for field in fields))
    except NoServer:
        return []
    return format_rows(output, len(fields))


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
