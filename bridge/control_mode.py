"""A persistent tmux control-mode connection (`tmux -C`): tmux commands without a process per call.

Spawning `tmux capture-pane` costs ~2 ms (fork, exec, socket handshake); the same command written to
a control-mode client that stays attached answers in well under 0.1 ms. Each hub process keeps one
shared `ControlClient` attached to the configured socket for its reads (`shared_client`, used by
`bridge/tmux/`); `bridge/watch.py` attaches one more per session it follows the output of:

    client = shared_client(["-S", "/run/tmux/hub"], timeout=5)
    text = client.capture_pane("%3", 100)                # from a thread
    text = await client.acapture_pane("work:1.0", 100)   # from the event loop, no thread hop

Protocol (tmux(1), CONTROL MODE): each command written to stdin is answered by a block
`%begin TIME NUMBER FLAGS` ... `%end TIME NUMBER FLAGS` (or `%error ...`) with the same three fields;
blocks for commands this client sent carry FLAGS 1. Between blocks tmux only writes notifications,
lines starting with `%`: handed to `on_notification` when the client has one (the watchers follow
`%output`), dropped otherwise, and a client without one attaches with `no-output`, so tmux does not
send it pane output at all. Command output inside a block is written raw, exactly as `tmux cmd`
prints it: only `%output` notifications are octal-escaped, so nothing is decoded here (tests pin
that a literal `\\101` in a pane comes back as those four characters).

Commands are pipelined: tmux runs them in the order they arrive and answers in that order, so
writers append to a FIFO under a lock and one reader thread pops it. Every command has a timeout; a
timeout, a desynchronised stream or tmux exiting closes the connection, fails what was pending with
`ControlModeUnavailable`, and the next command starts a new one. Callers fall back to a plain
`tmux` subprocess on `ControlModeUnavailable`, but not on its `ControlModeTimeout` (a subprocess would
most likely hang too), and report `TmuxCommandError` (tmux's own `%error`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import queue
import re
import shutil
import subprocess
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from typing import IO

# Arguments are single-quoted for tmux's command parser, which takes single-quoted text literally;
# anything that could end the quote or the line is refused (callers use a subprocess instead). The
# unit separator \x1f, which listings put between format fields, passes through unharmed.
_UNQUOTABLE = re.compile(r"['\x00-\x1e\x7f]")
# Lines in flight stay below a pipe's 64 KiB, so writing one can never block the event loop even when
# tmux stops reading; a longer command or a fuller queue goes to a subprocess instead.
MAX_LINE = 1000
MAX_PENDING = 64
MAX_CAPTURE_LINES = 100_000


class ControlModeUnavailable(Exception):
    """No answer from a control-mode connection: use a `tmux` subprocess for this command instead."""


class ControlModeTimeout(ControlModeUnavailable):
    """tmux did not answer in time; a subprocess would most likely hang too."""


class CannotSend(ControlModeUnavailable):
    """The command cannot be written as one control-mode line (an argument tmux's command parser
    would split or expand, or a line too long): a subprocess passes it as plain arguments instead."""


class TmuxCommandError(Exception):
    """tmux ran the command and refused it (`%error`); the message is tmux's own."""


def quote(arg: str) -> str:
    if _UNQUOTABLE.search(arg):
        raise CannotSend(f"argument {arg!r} cannot be sent over tmux control mode")
    return f"'{arg}'"


def capture_args(target: str, lines: int) -> list[str]:
    """`tmux capture-pane -p -J -S -N -t target`: the last `lines` lines of history plus the screen."""
    if not 1 <= lines <= MAX_CAPTURE_LINES:
        raise ValueError(f"lines must be between 1 and {MAX_CAPTURE_LINES}, got {lines}")
    return ["capture-pane", "-p", "-J", "-S", f"-{lines}", "-t", target]


def _as_text(lines: list[bytes]) -> str:
    """The block's lines as `tmux CMD` would have printed them on stdout."""
    if not lines:
        return ""
    return (b"\n".join(lines) + b"\n").decode("utf-8", errors="replace")


# tmux 3.3a keeps a control client whose reader is gone (the hub killed, or exiting without closing
# it) while output for it is on its way: the server waits forever to hand it that output, so the
# client never leaves, and after `kill-server` the server can never finish exiting and answers every
# later command on the socket with "server exited unexpectedly" (tmux/tmux#5444). Such a client goes
# as soon as its `tmux -C` process dies, so on Linux each is started with a parent-death signal
# (util-linux's setpriv; subprocess has no portable way to set one) and dies with the hub.
_SETPRIV = shutil.which("setpriv")


def _start_client(argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    def start(argv: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )

    if _SETPRIV is None:
        return start(argv)
    return _spawner.run(lambda: start([_SETPRIV, "--pdeathsig", "KILL", "--", *argv]))


_SpawnRequest = tuple[
    Callable[[], "subprocess.Popen[bytes]"], "concurrent.futures.Future[subprocess.Popen[bytes]]"
]


class _Spawner:
    """Forks from one thread that lives as long as the process: Linux sends the parent-death signal
    when the *thread* that forked the child ends, and a request's thread (Django runs each request's
    sync code in a thread of its own) would take the shared client down with it."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # Also run in a forked worker, which has none of its parent's threads (and would wait forever
        # for a lock some thread of the parent held at the fork).
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue[_SpawnRequest] | None = None

    def run(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes]:
        future: concurrent.futures.Future[subprocess.Popen[bytes]] = concurrent.futures.Future()
        with self._lock:
            if self._requests is None:
                self._requests = queue.SimpleQueue()
                threading.Thread(
                    target=self._serve, args=(self._requests,), name="tmux-control-spawner", daemon=True
                ).start()
            self._requests.put((start, future))
        return future.result()

    @staticmethod
    def _serve(requests: queue.SimpleQueue[_SpawnRequest]) -> None:
        while True:
            start, future = requests.get()
            try:
                future.set_result(start())
            except BaseException as exc:  # handed to the caller, whose thread raises it
                future.set_exception(exc)


_spawner = _Spawner()
os.register_at_fork(after_in_child=_spawner.reset)


class _Connection:
    """One `tmux -C attach` process, its reader thread and the futures of the commands in flight."""

    def __init__(
        self,
        argv: list[str],
        on_close: Callable[[_Connection], None],
        on_notification: Callable[[bytes], None] | None = None,
    ) -> None:
        self.on_close = on_close
        self.on_notification = on_notification
        self.answered = False
        env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}
        self.process = _start_client(argv, env)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin: IO[bytes] = self.process.stdin
        self.pending: deque[concurrent.futures.Future[list[bytes]]] = deque()
        self.alive = True
        self.lock = threading.Lock()
        self.reader = threading.Thread(
            target=self._read, args=(self.process.stdout,), name="tmux-control-reader", daemon=True
        )
        self.reader.start()

    def submit(self, line: bytes, max_pending: int) -> concurrent.futures.Future[list[bytes]]:
        future: concurrent.futures.Future[list[bytes]] = concurrent.futures.Future()
        with self.lock:
            if not self.alive:
                raise ControlModeUnavailable("the tmux control connection is closed")
            if len(self.pending) >= max_pending:
                raise ControlModeUnavailable(f"{max_pending} tmux commands already waiting")
            # Appended and written under one lock so the FIFO order is the order tmux reads them in.
            self.pending.append(future)
            try:
                self.stdin.write(line)
                self.stdin.flush()
            except (OSError, ValueError) as exc:
                self.pending.pop()
                raise ControlModeUnavailable(f"cannot write to tmux: {exc}") from exc
        return future

    def close(self, reason: str) -> None:
        with self.lock:
            self.alive = False
            pending, self.pending = list(self.pending), deque()
        for future in pending:
            _settle(future, exception=ControlModeUnavailable(reason))
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        for stream in (self.process.stdin, self.process.stdout):
            # Closing stdin flushes what a failed write left behind, into a pipe nobody reads.
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()
        self.on_close(self)

    def _read(self, stdout: IO[bytes]) -> None:
        reason = "tmux closed the control connection"
        end = error = b""
        ours = False
        body: list[bytes] | None = None
        try:
            for raw in iter(stdout.readline, b""):
                line = raw[:-1] if raw.endswith(b"\n") else raw
                if body is not None:
                    # Only the exact end line of this block ends it: a pane may print "%end ...".
                    if line not in (end, error):
                        body.append(line)
                        continue
                    if ours:
                        self._answer(body, failed=line == error)
                    body = None
                elif line.startswith(b"%begin "):
                    fields = line[len(b"%begin ") :]
                    end, error = b"%end " + fields, b"%error " + fields
                    ours = fields.rsplit(b" ", 1)[-1] == b"1"
                    body = []
                elif not line.startswith(b"%"):
                    reason = "the tmux control stream lost its framing"
                    break
                elif self.on_notification is not None:
                    self.on_notification(line)
        except (OSError, ValueError):
            pass
        self.close(reason)

    def _answer(self, body: list[bytes], failed: bool) -> None:
        self.answered = True
        with self.lock:
            future = self.pending.popleft() if self.pending else None
        if future is None:
            return
        if failed:
            _settle(future, exception=TmuxCommandError(_as_text(body).strip() or "tmux refused the command"))
        else:
            _settle(future, result=body)


def _settle(
    future: concurrent.futures.Future[list[bytes]],
    result: list[bytes] | None = None,
    exception: BaseException | None = None,
) -> None:
    # A caller that timed out may have cancelled it already.
    try:
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result or [])
    except concurrent.futures.InvalidStateError:
        pass


class ControlClient:
    """Runs tmux commands over one persistent control-mode connection, restarted when it dies.

    Thread-safe; the `a*` methods are for the event loop and never block it (a connection is
    started in a worker thread, answers arrive through the reader thread).
    """

    def __init__(
        self,
        socket_args: Sequence[str],
        *,
        timeout: float = 5.0,
        tmux: str = "tmux",
        max_pending: int = MAX_PENDING,
        retry_after: float = 1.0,
        session: str | None = None,
        on_notification: Callable[[bytes], None] | None = None,
        on_disconnect: Callable[[], None] | None = None,
    ) -> None:
        # attach, not a bare `tmux -C` (which would create a session); `ignore-size` keeps window
        # sizes as the people attached to them want. A client that watches output (`on_notification`)
        # attaches to `session`, the only one whose panes' output tmux sends it; the others take
        # `no-output`, which spares them every pane's output.
        flags = "ignore-size" if on_notification is not None else "no-output,ignore-size"
        target = ["-t", session] if session else []
        self.argv = [tmux, *socket_args, "-C", "attach-session", *target, "-f", flags]
        self.on_notification = on_notification
        self.on_disconnect = on_disconnect
        self.timeout = timeout
        self.max_pending = max_pending
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._connection: _Connection | None = None
        self._failed_at = float("-inf")

    def command(self, args: Sequence[str]) -> str:
        """Run one tmux command (argv without `tmux`); its stdout as text."""
        line = self._line(args)
        for attempt in (1, 2):
            connection, future = self._submit(line, start=True)
            try:
                return _as_text(future.result(timeout=self.timeout))
            except concurrent.futures.TimeoutError:
                self._give_up(connection)
                raise ControlModeTimeout(f"tmux did not answer within {self.timeout}s") from None
            except ControlModeUnavailable:
                # The connection died under this command: one retry on a fresh one.
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def acommand(self, args: Sequence[str]) -> str:
        line = self._line(args)
        for attempt in (1, 2):
            if not self.is_connected():
                await asyncio.to_thread(self._ensure_connected)
            connection, future = self._submit(line, start=False)
            try:
                # asyncio.timeout, not wait_for: no task per command (3.11's wait_for makes one).
                async with asyncio.timeout(self.timeout):
                    return _as_text(await asyncio.wrap_future(future))
            except TimeoutError:
                await asyncio.to_thread(self._give_up, connection)
                raise ControlModeTimeout(f"tmux did not answer within {self.timeout}s") from None
            except ControlModeUnavailable:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def aready(self) -> None:
        """Returns once the client is attached (starting it if need be): tmux answers a command only
        after the attach, so from then on it sends this client its session's notifications."""
        await self.acommand(["display-message", "-p", ""])

    def capture_pane(self, target: str, lines: int) -> str:
        """Same text as `tmux capture-pane -p -J -S -{lines} -t {target}` prints."""
        return self.command(capture_args(target, lines))

    async def acapture_pane(self, target: str, lines: int) -> str:
        return await self.acommand(capture_args(target, lines))

    @property
    def client_name(self) -> str | None:
        """The name tmux lists this client under (`#{client_name}`); see `own_client_names`."""
        connection = self._connection
        return f"client-{connection.process.pid}" if connection is not None and connection.alive else None

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close("the control client was closed")

    def _line(self, args: Sequence[str]) -> bytes:
        if not args:
            raise CannotSend("no tmux command given")
        line = (" ".join(quote(arg) for arg in args) + "\n").encode()
        if len(line) > MAX_LINE:
            raise CannotSend(f"a command longer than {MAX_LINE} bytes cannot be sent over tmux control mode")
        return line

    def is_connected(self) -> bool:
        connection = self._connection
        return connection is not None and connection.alive

    def _ensure_connected(self) -> _Connection:
        with self._lock:
            connection = self._connection
            if connection is not None and connection.alive:
                return connection
            # A server with no session cannot be attached to: do not spawn a failing client per call.
            if time.monotonic() - self._failed_at < self.retry_after:
                raise ControlModeUnavailable("tmux control mode failed to start a moment ago")
            try:
                self._connection = _Connection(self.argv, self._closed, self.on_notification)
                _live.add(self._connection)
            except OSError as exc:
                self._failed_at = time.monotonic()
                raise ControlModeUnavailable(f"cannot start tmux: {exc}") from exc
            return self._connection

    def _submit(self, line: bytes, start: bool) -> tuple[_Connection, concurrent.futures.Future[list[bytes]]]:
        connection = self._ensure_connected() if start else self._connection
        if connection is None:
            raise ControlModeUnavailable("the tmux control connection is closed")
        return connection, connection.submit(line, self.max_pending)

    def _closed(self, connection: _Connection) -> None:
        _live.discard(connection)
        # One that died before answering anything could not attach (no session, no server).
        if not connection.answered:
            self._failed_at = time.monotonic()
        if self.on_disconnect is not None:
            self.on_disconnect()

    def _give_up(self, connection: _Connection) -> None:
        with self._lock:
            if self._connection is connection:
                self._connection = None
        connection.close("a tmux command timed out")


# This process's live connections, by which listings tell the hub's own clients from people's.
_live: weakref.WeakSet[_Connection] = weakref.WeakSet()


def own_client_names() -> set[str]:
    """The names tmux lists this process's control-mode clients under (`#{client_name}`, in
    `#{session_attached_list}`), so listings can leave them out of a session's attached clients."""
    return {f"client-{c.process.pid}" for c in list(_live) if c.alive}


_shared: dict[tuple[int, tuple[str, ...]], ControlClient] = {}
_shared_lock = threading.Lock()


def shared_client(socket_args: Sequence[str], timeout: float) -> ControlClient:
    """The process's one client for a socket (a forked worker gets its own)."""
    key = (os.getpid(), tuple(socket_args))
    with _shared_lock:
        client = _shared.get(key)
        if client is None:
            client = _shared[key] = ControlClient(socket_args, timeout=timeout)
        return client
