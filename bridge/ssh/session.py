"""Persistent SSH sessions living in tmux windows of the hub's socket: open, list, run, close.

Each session is one window named `ssh:<id>` in the tmux session `tmuxhub-ssh`, running `ssh` itself.
Everything the hub knows about it is stored on that window as tmux user options (`@tmuxhub_ssh_*`),
so a restarted hub (or another worker) rebuilds the list from tmux, and a person can watch with
`tmux attach -t tmuxhub-ssh`.

Safety rules, kept everywhere below:
- input never reaches a shell on this machine: ssh and tmux get argv lists; host, user and port are
  checked by strict patterns, and `--` ends ssh's options before the destination;
- input never reaches a tmux format (`#{}` / `#()`): formats here are constants, values we match are
  filtered in Python;
- on the remote shell, a command travels base64-encoded and runs through `eval`, so no byte of it is
  read by the shell's line editor; completion is a marker line carrying a random nonce the command
  cannot guess, and the echoed command line never matches it;
- every wait is bounded, and waits sleep on the event loop, never in a worker thread.

The remote login shell must be POSIX-like (sh, bash, dash, zsh, ksh) with `base64` and `sha256sum`.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from django.conf import settings

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.schemas import SSH_ID_RE, SshClosed, SshCommandResult, SshSession, SshSnapshot
from bridge.screen import cap_bytes
from bridge.shell_markers import Markers, between, wrap

from .policy import check_command

SESSION = "tmuxhub-ssh"
OPTION = "@tmuxhub_ssh_"
POLL_FIRST, POLL_MAX = 0.01, 0.2


FIELDS = (
    "window_id",
    "pane_id",
    *(f"{OPTION}{name}" for name in ("id", "host", "hostname", "user", "port", "opened", "busy")),
)


async def list_sessions() -> list[SshSession]:
    """Every SSH session, rebuilt from the windows of the `tmuxhub-ssh` tmux session."""
    sessions = []
    for row in await tmux.window_rows(SESSION, FIELDS):
        if not SSH_ID_RE.fullmatch(row[f"{OPTION}id"]):
            continue  # a window someone else opened in our session
        sessions.append(
            SshSession(
                id=row[f"{OPTION}id"],
                host=row[f"{OPTION}host"],
                hostname=row[f"{OPTION}hostname"],
                user=row[f"{OPTION}user"],
                port=int(row[f"{OPTION}port"] or 0),
                window_id=row["window_id"],
                pane_id=row["pane_id"],
                opened=int(row[f"{OPTION}opened"] or 0),
                busy=bool(row[f"{OPTION}busy"]),
            )
        )
    return sessions


async def get_session(session_id: str) -> SshSession:
    for session in await list_sessions():
        if session.id == session_id:
            return session
    raise BridgeError(f"no SSH session {session_id!r}; ssh_list shows the open ones, ssh_open opens one")


async def set_busy(session: SshSession, nonce: str | None) -> None:
    """Mark the session busy with the nonce of the script typed into it, or free (None)."""
    await tmux.set_window_option(session.window_id, f"{OPTION}busy", nonce)


async def refuse_busy(session: SshSession) -> None:
    """BridgeError while a command sent with ssh_send_command has not been seen to finish: a file
    transfer's script typed now would go to that command (into the file of a `cat > f`). A command
    that has finished since its call returned (its end marker is in the pane now) frees the session."""
    nonce = (await tmux.display(session.window_id, f"{OPTION}busy"))[0]
    if not nonce:
        return
    if any(Markers(nonce).end.match(line) for line in await tmux.capture_raw(session.pane_id, "-")):
        await set_busy(session, None)
        return
    raise BridgeError(
        f"SSH session {session.id} is busy: the last command sent with ssh_send_command has not been seen "
        "to finish, and the file transfer would be typed into it. Look with ssh_snapshot; when it is not "
        f"needed, interrupt it (send_keys C-c to pane {session.pane_id}), then run ssh_send_command `true`"
    )


@asynccontextmanager
async def exclusive(session: SshSession, hold: float, wait: float) -> AsyncIterator[None]:
    """One call at a time types into a session, whichever hub process serves it: a lock kept by
    tmux on the session's window (`tmux.take_window_lock`), with an expiry `hold` seconds ahead."""
    window, lock = session.window_id, f"{OPTION}lock"
    token = secrets.token_hex(8)
    deadline = time.monotonic() + wait
    delay = POLL_FIRST
    while True:
        if await tmux.take_window_lock(window, lock, token, hold):
            break
        if time.monotonic() >= deadline:
            raise BridgeError(
                f"another call is using SSH session {session.id} (a command or a file transfer); "
                "try again when it has finished"
            )
        await asyncio.sleep(delay)
        delay = min(delay * 2, POLL_MAX)
    try:
        yield
    finally:
        await tmux.release_window_lock(window, lock, token)


async def wait_for(pane_id: str, found: re.Pattern[str] | str, deadline: float) -> bool:
    """Poll the visible screen until a line matches `found` (a marker), ssh exits, or the deadline."""
    delay = POLL_FIRST
    while True:
        # Gone counts as exited: the window (or the last session, and the server) closed with ssh.
        screen, exited = await tmux.screen_and_exit(pane_id)
        for line in screen:
            if found.match(line) if isinstance(found, re.Pattern) else line.rstrip() == found:
                return True
        if exited:
            raise BridgeError("the SSH connection closed (its window is gone); ssh_open opens a new one")
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(min(delay, max(deadline - time.monotonic(), 0)))
        delay = min(delay * 2, POLL_MAX)


async def run_script(
    session: SshSession, script: str, timeout: float
) -> tuple[bool, int | None, list[str], bool]:
    """Run `script` in the remote shell; (completed, status, output lines, truncated)."""
    markers = Markers()
    await set_busy(session, markers.nonce)
    await tmux.type_text(session.pane_id, wrap(script, markers))
    completed = await wait_for(session.pane_id, markers.end, time.monotonic() + timeout)
    lines, status, truncated = between(await tmux.capture_raw(session.pane_id, "-"), markers)
    if completed:
        await set_busy(session, None)
    return completed, status, lines, truncated


# --- opening and closing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolved:
    hostname: str
    user: str
    port: int


def _config_args() -> list[str]:
    return ["-F", settings.TMUXHUB_SSH_CONFIG] if settings.TMUXHUB_SSH_CONFIG else []


def _destination_args(host: str, user: str | None, port: int | None) -> list[str]:
    args = []
    if user:
        args += ["-l", user]
    if port:
        args += ["-p", str(port)]
    return [*args, "--", host]


def resolve(host: str, user: str | None = None, port: int | None = None) -> Resolved:
    """What ssh will connect to, from `ssh -G` (aliases, HostName, User, Port of the ssh config)."""
    argv = ["ssh", *_config_args(), "-G", *_destination_args(host, user, port)]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=settings.TMUXHUB_TMUX_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BridgeError(f"`ssh -G` failed ({exc}); is the OpenSSH client installed?") from exc
    if result.returncode != 0:
        raise BridgeError(f"ssh cannot use {host!r}: {result.stderr.strip()[:300]}")
    values: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, _, value = line.partition(" ")
        values.setdefault(key, value)
    try:
        return Resolved(hostname=values["hostname"], user=values["user"], port=int(values["port"]))
    except (KeyError, ValueError) as exc:
        raise BridgeError(f"`ssh -G {host}` gave no hostname, user and port") from exc


async def open_session(host: str, user: str | None = None, port: int | None = None) -> SshSession:
    """Open a session to `host`, `user` and `port` as checked by `schemas.SshHost`, `SshUser`, `SshPort`."""
    resolved = await asyncio.to_thread(resolve, host, user, port)
    session_id = secrets.token_hex(4)
    name = f"ssh:{session_id}"
    timeout = settings.TMUXHUB_SSH_CONNECT_TIMEOUT
    # Several arguments: tmux execs ssh directly, no `sh -c` in between. BatchMode: never a password
    # or host-key prompt that nobody answers; ServerAlive: notice a dead link instead of hanging.
    ssh = [
        "ssh", *_config_args(), "-tt",
        "-o", "BatchMode=yes",
        "-o", f"ConnectTimeout={max(int(timeout), 1)}",
        "-o", "ServerAliveInterval=30",
        "-o", "ServerAliveCountMax=3",
        *_destination_args(host, user, port),
    ]  # fmt: skip
    options = {
        "id": session_id,
        "host": host,
        "hostname": resolved.hostname,
        "user": resolved.user,
        "port": str(resolved.port),
        "opened": str(int(time.time())),
    }
    # The window stays when ssh fails at once (remain-on-exit), with its error message to report.
    # Once connected, it closes with ssh again: tmux 3.3a crashes when text is pasted into a dead
    # pane, and other tools (tmux_send_prompt) paste into any pane.
    window_id, pane_id = await tmux.open_window(
        SESSION, name, ssh, {f"{OPTION}{key}": value for key, value in options.items()}
    )
    session = SshSession(
        id=session_id,
        host=host,
        hostname=resolved.hostname,
        user=resolved.user,
        port=resolved.port,
        window_id=window_id,
        pane_id=pane_id,
        opened=int(options["opened"]),
        busy=False,
    )
    try:
        completed, _, _, _ = await run_script(session, "unset HISTFILE", timeout + 5)
    except BridgeError:
        completed = False
    if completed:
        await tmux.set_window_option(window_id, "remain-on-exit", "off")
    else:
        reason = await _last_words(pane_id)
        await tmux.kill_window(window_id)
        raise BridgeError(
            f"could not open an SSH session to {host!r} "
            f"({resolved.user}@{resolved.hostname}:{resolved.port}): "
            f"{reason or 'no shell prompt answered in time'}. Keys must work without a passphrase prompt "
            "(BatchMode) and the host key must be known (add it to known_hosts or set StrictHostKeyChecking "
            "accept-new in the ssh config)"
        )
    return session


async def _last_words(pane_id: str) -> str:
    lines = [line.strip() for line in await tmux.capture_raw(pane_id, "-")]
    lines = [
        line
        for line in lines
        if line and "tmuxhub_" not in line.lower() and not line.startswith("Pane is dead")
    ]
    return " / ".join(lines[-5:])


async def close_session(session_id: str, force: bool = False) -> SshClosed:
    session = await get_session(session_id)
    warning = ""
    if session.busy:
        warning = (
            "the last command sent with ssh_send_command has not been seen to finish: it may still be "
            "running (or was interrupted)"
        )
        if not force:
            raise BridgeError(
                f"SSH session {session_id} was not closed: {warning}. Closing kills whatever runs there. "
                "Look with ssh_snapshot, interrupt with send_keys C-c, or call ssh_close with force=true"
            )
    await tmux.kill_window(session.window_id)
    return SshClosed(id=session_id, closed=True, warning=warning)


# --- commands and screens -------------------------------------------------------------------------


async def send_command(session_id: str, command: str, timeout: float) -> SshCommandResult:
    check_command(command)
    timeout = min(max(timeout, 0.1), settings.TMUXHUB_SSH_MAX_WAIT)
    session = await get_session(session_id)
    began = time.monotonic()
    async with exclusive(session, hold=timeout + 30, wait=timeout):
        remaining = max(timeout - (time.monotonic() - began), 0.1)
        completed, status, lines, cut = await run_script(session, command, remaining)
    while not completed and lines and not lines[-1].strip():
        lines.pop()  # the empty screen below a command still running
    kept, capped = cap_bytes(lines)
    return SshCommandResult(
        id=session_id,
        completed=completed,
        exit_status=status if completed else None,
        output="\n".join(kept),
        truncated=cut or capped,
        elapsed=round(time.monotonic() - began, 3),
        detail=""
        if completed
        else (
            f"still running after {timeout:g}s: look again with ssh_snapshot, interrupt with send_keys "
            f"(keys ['C-c'], target {session.pane_id})"
        ),
    )


async def snapshot(session_id: str, lines: int) -> SshSnapshot:
    session = await get_session(session_id)
    lines = min(max(lines, 1), settings.TMUXHUB_CAPTURE_MAX_LINES)
    captured = await tmux.capture_raw(session.pane_id, str(-lines - 200))
    while captured and not captured[-1].strip():
        captured.pop()
    tail, _ = cap_bytes(captured[-lines:])
    return SshSnapshot(id=session_id, text="\n".join(tail))
