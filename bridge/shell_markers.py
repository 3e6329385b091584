"""The marker protocol for running a command in a pane's shell and reading its output and status: the
one module `run_command` (a local shell, `run_visible`) and SSH sessions (a remote one, `wrap`) use.

Both type a command line that prints a start marker, runs the command, and prints an end marker
carrying `$?`. Each marker holds a random nonce
the command cannot guess, printed with printf '%s_%s' so the echoed command line never matches it;
`between` takes the output from the pane's lines.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import time
from dataclasses import dataclass, field

from . import tmux

# A canonical-mode tty (dash, sh) drops what goes past 4095 bytes of one line: keep every line shorter.
LINE_CHUNK = 3000


@dataclass(frozen=True)
class Markers:
    """One call's markers. Printed with printf '%s_%s' so the echoed command line never matches."""

    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    @property
    def start(self) -> str:
        return f"TMUXHUB_START_{self.nonce}"

    @property
    def ready(self) -> str:
        return f"TMUXHUB_READY_{self.nonce}"

    @property
    def end(self) -> re.Pattern[str]:
        return re.compile(rf"^TMUXHUB_END_{self.nonce}:(\d+)\s*$")

    def print_start(self) -> str:
        # The leading newline: a shell without line editing (dash) prints its prompt only now, after
        # the typed line was echoed, and the marker must start a line of its own.
        return f"printf '\\n%s_%s\\n' TMUXHUB_START {self.nonce}"

    def print_ready(self) -> str:
        return f"printf '%s_%s\\n' TMUXHUB_READY {self.nonce}"

    def print_end(self) -> str:
        # The leading newline ends a last line printed without one; parsing takes it off again.
        return f"printf '\\n%s_%s:%d\\n' TMUXHUB_END {self.nonce} \"$?\""


def wrap(script: str, markers: Markers) -> str:
    """The keystrokes that run `script` in the remote shell between two markers.

    The script goes base64-encoded and runs through `eval`: quotes, `#`, `!`, tabs, control characters
    and here-documents all arrive intact, and an unbalanced quote is a syntax error with a status
    rather than a shell left waiting for more input. The leading space keeps the line out of history
    where HISTCONTROL=ignorespace is set. Long scripts arrive in lines shorter than a tty takes.
    """
    # The newline in front: `eval` must not read a script starting with '-' as its own option.
    encoded = base64.b64encode(b"\n" + script.encode()).decode()
    chunks = [encoded[i : i + LINE_CHUNK] for i in range(0, len(encoded), LINE_CHUNK)] or [""]
    variable = f"__tmuxhub_{markers.nonce}"
    lines = [f" {variable}={chunks[0]}"]
    lines += [f" {variable}=${{{variable}}}{chunk}" for chunk in chunks[1:]]
    lines.append(
        f' {markers.print_start()}; eval "$(printf %s "${variable}" | base64 -d)"; '
        f"{markers.print_end()}; unset {variable}"
    )
    return "".join(line + "\r" for line in lines)


def visible(command: str, markers: Markers) -> str:
    """`command` between the two markers, typed as it is (a person watching the pane can read it)."""
    return f"{markers.print_start()}; {command}; {markers.print_end()}"


def between(lines: list[str], markers: Markers) -> tuple[list[str], int | None, bool]:
    """The output lines between this call's start and end markers, the status, and whether cut."""
    end_index, status = None, None
    for index in range(len(lines) - 1, -1, -1):
        match = markers.end.match(lines[index])
        if match:
            end_index, status = index, int(match.group(1))
            break
    stop = len(lines) if end_index is None else end_index
    start_index = None
    for index in range(stop - 1, -1, -1):
        if lines[index].rstrip() == markers.start:
            start_index = index
            break
    if start_index is None:
        return lines[:stop], status, True
    return lines[start_index + 1 : stop], status, False


async def run_visible(
    pane: str, command: str, timeout: float, window: int
) -> tuple[list[str], int | None, bool]:
    """Type `command` between this call's markers at the pane's shell prompt, press Enter, and poll the
    pane's last `window` lines until the end marker shows or `timeout` passes: (output, status, cut)."""
    markers = Markers()
    await tmux.send_literal(pane, visible(command, markers))
    await tmux.send_keys(pane, ["Enter"])
    deadline = time.monotonic() + timeout
    pause = 0.05
    while True:
        output, status, cut = between(await tmux.capture(pane, window), markers)
        if status is not None or time.monotonic() > deadline:
            return output, status, cut
        await asyncio.sleep(pause)
        pause = min(pause * 1.5, 0.5)
