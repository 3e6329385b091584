"""Steering from afar: focus, arrangement, restarts, copy mode, options, channels and pipes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..exceptions import BridgeError
from .objects import display
from .transport import SEP, _explain, exact, read, run, socket_args


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
