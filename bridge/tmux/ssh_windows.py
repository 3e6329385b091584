"""Windows that run one program, with their state kept in window options (the SSH sessions): their
rows, options and locks, raw captures, and typing that never pastes into a dead pane."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Sequence

from ..exceptions import BridgeError, NoServer
from .transport import SEP, exact, format_rows, run

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
    return [dict(zip(fields, row, strict=True)) for row in format_rows(output, len(fields))]


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
