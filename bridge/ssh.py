"""Persistent SSH sessions living in tmux windows of the hub's socket.

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
import base64
import binascii
import hashlib
import ipaddress
import re
import secrets
import shlex
import subprocess
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from django.conf import settings
from pydantic import BaseModel, Field

from . import tmux
from .exceptions import BridgeError

SESSION = "tmuxhub-ssh"
OPTION = "@tmuxhub_ssh_"
ID_RE = re.compile(r"^[0-9a-f]{8}$")
# Host names and ssh-config aliases: no leading '-' (it would be read as an option), and none of the
# characters ssh would substitute into a ProxyCommand or `Match exec` shell line.
HOST_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$")
SCOPE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
USER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,31}$")
MAX_PATH = 4096
MAX_COMMAND = 64 * 1024
# A canonical-mode tty (dash, sh) drops what goes past 4095 bytes of one line: keep every line shorter.
LINE_CHUNK = 3000
POLL_FIRST, POLL_MAX = 0.01, 0.2


class SshSession(BaseModel):
    id: str = Field(description="Session id for the other ssh_* tools.")
    host: str = Field(description="The host as given (name, address or ssh-config alias).")
    hostname: str = Field(description="Where ssh connects, after ssh-config resolution (`ssh -G`).")
    user: str
    port: int
    window_id: str = Field(description="The tmux window, e.g. '@4'.")
    pane_id: str = Field(description="The tmux pane, e.g. '%7': send_keys and capture_pane accept it.")
    opened: int = Field(description="Unix time it was opened.")
    busy: bool = Field(
        description="True while a command sent by ssh_send_command has not been seen to finish."
    )


class CommandResult(BaseModel):
    id: str
    completed: bool = Field(description="False when the timeout passed first: the command may still run.")
    exit_status: int | None = Field(description="The command's exit status, when completed.")
    output: str = Field(description="What the command printed (as the terminal shows it, ANSI stripped).")
    truncated: bool = Field(description="True when older output was cut (byte cap or tmux history).")
    elapsed: float
    detail: str = Field(default="", description="What to do next when the command has not completed.")


class Snapshot(BaseModel):
    id: str
    lines: list[str]
    text: str


class FileRead(BaseModel):
    id: str
    path: str
    size: int
    sha256: str
    encoding: str = Field(description="'text' (UTF-8) or 'base64'.")
    content: str


class FileWritten(BaseModel):
    id: str
    path: str
    size: int = Field(description="Bytes written (appended, with append=true).")
    sha256: str = Field(description="sha256 of the bytes written, checked on the remote side.")
    appended: bool


class Closed(BaseModel):
    id: str
    closed: bool
    warning: str = ""


# --- validation -----------------------------------------------------------------------------------


def check_id(session_id: str) -> str:
    if not ID_RE.fullmatch(session_id):
        raise BridgeError(f"{session_id[:40]!r} is not an SSH session id (8 hex digits); see ssh_list")
    return session_id


def check_host(host: str) -> str:
    """A host name, IPv4/IPv6 address or ssh-config alias; anything else is refused."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    address, _, scope = candidate.partition("%")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if HOST_RE.fullmatch(host):
            return host
    else:
        if not scope or SCOPE_RE.fullmatch(scope):
            return candidate
    raise BridgeError(
        f"{host[:80]!r} is not a host: give a host name, an IPv4/IPv6 address or an ssh-config alias "
        "(letters, digits, '.', '_', '-'; not starting with '-'); put the user in `username`"
    )


def check_user(user: str) -> str:
    if not USER_RE.fullmatch(user):
        raise BridgeError(
            f"{user[:40]!r} is not a user name: letters, digits, '_', '.', '-', at most 32, "
            "starting with a letter or '_'"
        )
    return user


def check_port(port: int) -> int:
    if not 1 <= port <= 65535:
        raise BridgeError(f"port {port} is out of range: give 1 to 65535")
    return port


def check_path(path: str) -> str:
    if not path or len(path) > MAX_PATH or any(ord(c) < 32 or c == "\x7f" for c in path):
        raise BridgeError(
            f"{path[:80]!r} is not a usable path: 1 to {MAX_PATH} characters, no control characters"
        )
    return path


def check_command(command: str) -> str:
    if not command.strip():
        raise BridgeError("the command is empty")
    if len(command.encode()) > MAX_COMMAND or "\x00" in command:
        raise BridgeError(
            f"commands are limited to {MAX_COMMAND} bytes without NUL; send long content with ssh_write_file"
        )
    for pattern in settings.TMUXHUB_SSH_DENY:
        if re.search(pattern, command):
            raise BridgeError(
                f"the hub's SSH command policy refuses this command (it matches {pattern!r}). The policy is "
                "a guard rail set by the hub's owner (TMUXHUB_SSH_COMMAND_POLICY, TMUXHUB_SSH_DENY_PATTERN), "
                "not a sandbox; do not try to get around it: ask the person you work for"
            )
    return command


# --- tmux -----------------------------------------------------------------------------------------


FIELDS = (
    "window_id",
    "pane_id",
    *(f"{OPTION}{name}" for name in ("id", "host", "hostname", "user", "port", "opened", "busy")),
)


async def list_sessions() -> list[SshSession]:
    """Every SSH session, rebuilt from the windows of the `tmuxhub-ssh` tmux session."""
    sessions = []
    for row in await tmux.window_rows(SESSION, FIELDS):
        if not ID_RE.fullmatch(row[f"{OPTION}id"]):
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
    check_id(session_id)
    for session in await list_sessions():
        if session.id == session_id:
            return session
    raise BridgeError(f"no SSH session {session_id!r}; ssh_list shows the open ones, ssh_open opens one")


async def _set_option(window_id: str, name: str, value: str | None) -> None:
    await tmux.set_window_option(window_id, f"{OPTION}{name}", value)


@asynccontextmanager
async def _exclusive(session: SshSession, hold: float, wait: float) -> AsyncIterator[None]:
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


# --- the remote shell protocol --------------------------------------------------------------------


@dataclass(frozen=True)
class _Markers:
    """One call's markers. Printed with printf '%s_%s' so the echoed command line never matches."""

    nonce: str

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


def _wrap(script: str, markers: _Markers) -> str:
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


def _between(lines: list[str], markers: _Markers) -> tuple[list[str], int | None, bool]:
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


async def _wait_for(pane_id: str, found: re.Pattern[str] | str, deadline: float) -> bool:
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


async def _run(session: SshSession, script: str, timeout: float) -> tuple[bool, int | None, list[str], bool]:
    """Run `script` in the remote shell; (completed, status, output lines, truncated)."""
    markers = _Markers(secrets.token_hex(8))
    await _set_option(session.window_id, "busy", markers.nonce)
    await tmux.type_text(session.pane_id, _wrap(script, markers))
    completed = await _wait_for(session.pane_id, markers.end, time.monotonic() + timeout)
    lines, status, truncated = _between(await tmux.capture_raw(session.pane_id, "-"), markers)
    if completed:
        await _set_option(session.window_id, "busy", None)
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
    host = check_host(host)
    if user is not None:
        check_user(user)
    if port is not None:
        check_port(port)
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
        completed, _, _, _ = await _run(session, "unset HISTFILE", timeout + 5)
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


async def close_session(session_id: str, force: bool = False) -> Closed:
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
    return Closed(id=session_id, closed=True, warning=warning)


# --- commands and screens -------------------------------------------------------------------------


def _cap_bytes(text: str) -> tuple[str, bool]:
    limit = settings.TMUXHUB_CAPTURE_MAX_BYTES
    data = text.encode()
    if len(data) <= limit:
        return text, False
    return data[-limit:].decode(errors="ignore"), True


async def send_command(session_id: str, command: str, timeout: float) -> CommandResult:
    check_command(command)
    timeout = min(max(timeout, 0.1), settings.TMUXHUB_SSH_MAX_WAIT)
    session = await get_session(session_id)
    began = time.monotonic()
    async with _exclusive(session, hold=timeout + 30, wait=timeout):
        remaining = max(timeout - (time.monotonic() - began), 0.1)
        completed, status, lines, cut = await _run(session, command, remaining)
    while not completed and lines and not lines[-1].strip():
        lines.pop()  # the empty screen below a command still running
    output, capped = _cap_bytes("\n".join(lines))
    return CommandResult(
        id=session_id,
        completed=completed,
        exit_status=status if completed else None,
        output=output,
        truncated=cut or capped,
        elapsed=round(time.monotonic() - began, 3),
        detail=""
        if completed
        else (
            f"still running after {timeout:g}s: look again with ssh_snapshot, interrupt with send_keys "
            f"(keys ['C-c'], target {session.pane_id})"
        ),
    )


async def snapshot(session_id: str, lines: int) -> Snapshot:
    session = await get_session(session_id)
    lines = min(max(lines, 1), settings.TMUXHUB_CAPTURE_MAX_LINES)
    captured = await tmux.capture_raw(session.pane_id, str(-lines - 200))
    while captured and not captured[-1].strip():
        captured.pop()
    tail = captured[-lines:]
    text, _ = _cap_bytes("\n".join(tail))
    return Snapshot(id=session_id, lines=text.split("\n") if text else [], text=text)


# --- files ------------------------------------------------------------------------------------------


def _check_size(size: int) -> None:
    limit = settings.TMUXHUB_SSH_MAX_FILE_BYTES
    if size > limit:
        raise BridgeError(
            f"the file is {size} bytes; SSH file transfers are limited to {limit} bytes "
            "(TMUXHUB_SSH_MAX_FILE_BYTES): copy larger files with scp or rsync"
        )


def _transfer_timeout(size: int) -> float:
    return min(settings.TMUXHUB_SSH_MAX_WAIT, 30 + size / 20_000)


async def _checked_run(session: SshSession, script: str, timeout: float, doing: str) -> list[str]:
    completed, status, lines, cut = await _run(session, script, timeout)
    if not completed:
        raise BridgeError(f"{doing} did not finish within {timeout:g}s; look with ssh_snapshot")
    if cut:
        raise BridgeError(f"{doing}: the output outgrew the pane's tmux history (history-limit); try again")
    if status != 0:
        said = " / ".join(line.strip() for line in lines if line.strip())[-300:]
        raise BridgeError(f"{doing} failed (status {status}): {said or 'no message'}")
    return lines


async def _rows_per_capture(pane_id: str) -> tuple[int, int]:
    history, width = await tmux.display(pane_id, "history_limit", "pane_width")
    return int(history), max(int(width), 1)


async def _read_exact(session: SshSession, path: str) -> tuple[bytes, str]:
    """The file's bytes, base64 through the terminal in chunks, checked against its sha256."""
    quoted = shlex.quote(path)
    head = await _checked_run(
        session,
        f"if [ -f {quoted} ] && [ -r {quoted} ]; then wc -c < {quoted} && sha256sum < {quoted}; "
        f"else echo 'not a readable regular file' >&2; false; fi",
        settings.TMUXHUB_SSH_CONNECT_TIMEOUT + 10,
        f"reading {path}",
    )
    words = " ".join(head).split()
    try:
        size, digest = int(words[0]), words[1]
    except (IndexError, ValueError) as exc:
        raise BridgeError(f"could not read the size and checksum of {path}: {' '.join(head)[:200]}") from exc
    _check_size(size)
    # base64 prints 76 characters (57 bytes) a line; one chunk must fit in the pane's tmux history,
    # which tmux trims by a tenth of its limit at a time: half of it is always there.
    history, width = await _rows_per_capture(session.pane_id)
    rows_per_line = -(-77 // width)
    chunk = max(57, min(256 * 1024, history // 2 // rows_per_line * 57))
    data = bytearray()
    for offset in range(0, size, chunk):
        lines = await _checked_run(
            session,
            f"tail -c +{offset + 1} {quoted} | head -c {chunk} | base64",
            _transfer_timeout(chunk),
            f"reading {path}",
        )
        try:
            data += base64.b64decode("".join("".join(lines).split()), validate=True)
        except binascii.Error as exc:
            raise BridgeError(f"reading {path}: the terminal garbled a chunk ({exc}); try again") from exc
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise BridgeError(f"{path} changed while it was read (size or sha256 differ); read it again")
    return bytes(data), digest


async def read_file(session_id: str, path: str, as_base64: bool) -> FileRead:
    check_path(path)
    session = await get_session(session_id)
    async with _exclusive(
        session, hold=settings.TMUXHUB_SSH_MAX_WAIT, wait=settings.TMUXHUB_SSH_CONNECT_TIMEOUT
    ):
        data, digest = await _read_exact(session, path)
    content: str
    if as_base64:
        content = base64.b64encode(data).decode()
    else:
        try:
            content = data.decode()
        except UnicodeDecodeError as exc:
            raise BridgeError(f"{path} is not UTF-8 text; read it again with encoding='base64'") from exc
    return FileRead(
        id=session_id,
        path=path,
        size=len(data),
        sha256=digest,
        encoding="base64" if as_base64 else "text",
        content=content,
    )


async def write_file(session_id: str, path: str, data: bytes, append: bool) -> FileWritten:
    """Write (or append) exactly `data`: base64 through the pty, checked by sha256, renamed into place."""
    check_path(path)
    _check_size(len(data))
    session = await get_session(session_id)
    digest = hashlib.sha256(data).hexdigest()
    markers = _Markers(secrets.token_hex(8))
    target = shlex.quote(path)
    temporary = shlex.quote(f"{path}.tmuxhub-{markers.nonce}.tmp")
    if append:
        place = f"cat {temporary} >> {target}; s=$?; rm -f {temporary}; [ $s = 0 ]"
    else:
        # Keep the old file's permissions where GNU chmod can copy them, then replace it atomically.
        place = f"{{ chmod --reference={target} {temporary} 2>/dev/null || :; }}; mv -f {temporary} {target}"
    # `base64 -d` reads the pasted lines from the tty in canonical mode, echo off, until Ctrl-D; if
    # it fails, `cat` swallows the rest so no payload line reaches the shell as a command.
    script = (
        f"stty -echo; {markers.print_ready()}; "
        f"{{ base64 -d > {temporary} || cat > /dev/null; }}; stty echo; "
        f'if [ "$(sha256sum < {temporary} | cut -c1-64)" = {digest} ]; then {place}; '
        f"else rm -f {temporary}; echo 'checksum mismatch: the file was not changed' >&2; false; fi"
    )
    timeout = _transfer_timeout(len(data))
    async with _exclusive(session, hold=timeout + 30, wait=settings.TMUXHUB_SSH_CONNECT_TIMEOUT):
        status, lines = await _transfer(session, script, markers, data, timeout)
    if status != 0:
        said = " / ".join(line.strip() for line in lines if line.strip() and markers.ready not in line)
        raise BridgeError(f"writing {path} failed (status {status}): {said[-300:] or 'no message'}")
    return FileWritten(id=session_id, path=path, size=len(data), sha256=digest, appended=append)


async def _transfer(
    session: SshSession, script: str, markers: _Markers, data: bytes, timeout: float
) -> tuple[int | None, list[str]]:
    """Start `script`, type `data` as base64 once it is ready to read it, and wait for its end."""
    deadline = time.monotonic() + timeout
    await _set_option(session.window_id, "busy", markers.nonce)
    await tmux.type_text(session.pane_id, _wrap(script, markers))
    if not await _wait_for(
        session.pane_id, markers.ready, time.monotonic() + settings.TMUXHUB_SSH_CONNECT_TIMEOUT
    ):
        raise BridgeError(
            "the remote shell did not start the transfer: is a program running in the session? Look with "
            "ssh_snapshot; the transfer waits typed ahead, press C-c there with send_keys to cancel it"
        )
    await tmux.type_text(session.pane_id, base64.encodebytes(data).decode().replace("\n", "\r"))
    await tmux.send_keys(session.pane_id, ["C-d"])
    if not await _wait_for(session.pane_id, markers.end, deadline):
        raise BridgeError(f"the transfer did not finish within {timeout:g}s; look with ssh_snapshot")
    lines, status, _ = _between(await tmux.capture_raw(session.pane_id, "-"), markers)
    await _set_option(session.window_id, "busy", None)
    return status, lines
