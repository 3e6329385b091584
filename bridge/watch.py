"""Waiting on a pane: driven by the output tmux reports as it happens, not by polling.

tmux sends a control-mode client `%output %PANE DATA` for every chunk a pane's program writes, but
only for the panes of the session that client is attached to. So each session something waits on
gets one output-watching `ControlClient` (bridge/control_mode.py), shared by every waiter of this
process and closed `LINGER` seconds after the last one leaves. Its reader thread appends each chunk
to the feeds of that pane and wakes their waiters on the event loop, once per burst however many
chunks it holds, so nothing is missed however fast output comes, and a quiet pane costs nothing.
Anything else tmux reports about the session (a layout change, a window or the session closing)
wakes the feeds too: the waiter then checks that its pane still exists (`Feed.recheck`).

The two waits of the wait tools (`bridge/tools/waits.py`); `ask` reads a feed itself (`watch`, in
`bridge/steering.py`), while `run_command`, SSH sessions and prompt verification poll the screen:

    lines, elapsed = await wait_for_text("%3", LineMatcher("done", is_regex=False, ignore_case=False), 30)
    idle, elapsed = await wait_until_quiet("%3", quiet=2.0, timeout=60)

Both fall back to polling (`POLL`) when tmux cannot attach a watching client.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from django.conf import settings

from . import control_mode, tmux
from .exceptions import BridgeError
from .screen import LineMatcher, fingerprints, new_lines
from .terminal_text import TextStream, unescape_output

WINDOW = 500  # lines of screen and history the polling fallback compares
POLL = 0.2  # seconds between looks when polling
SCREEN_EVERY = 0.1  # seconds between two looks at the screen (for text drawn in place) while output flows
LOOK_EVERY = 0.02  # the quiet wait looks at a changing screen at most this often
LINGER = 10.0  # seconds a session's watching client stays attached after its last waiter left
MAX_BUFFER = 8 * 1024 * 1024  # bytes a feed holds for a waiter that has not looked yet


class Unwatchable(Exception):
    """tmux would not attach a client to watch the pane's session: poll instead."""


@dataclass
class Batch:
    """What happened on a pane since its waiter last looked."""

    data: bytes  # everything the pane's program wrote, in order
    structural: bool  # tmux reported a change to the session's panes or windows
    closed: bool  # the watching connection ended (server gone, session closed, client killed)


class Feed:
    """One waiter's view of one pane. Filled by the watching client's reader thread."""

    def __init__(self, target: str, pane_id: str, session_id: str) -> None:
        self.target = target
        self.pane_id = pane_id
        self.session_id = session_id
        self._loop = asyncio.get_running_loop()
        self._woken = asyncio.Event()
        self._lock = threading.Lock()
        self._chunks: list[bytes] = []
        self._size = 0
        self._structural = self._closed = self._scheduled = False
        self.watcher: _SessionWatch | None = None

    def push(self, data: bytes = b"", *, structural: bool = False, closed: bool = False) -> None:
        """From any thread; one wake-up however many pushes come before the waiter looks."""
        with self._lock:
            if data:
                self._chunks.append(data)
                self._size += len(data)
                while self._size > MAX_BUFFER and len(self._chunks) > 1:
                    self._size -= len(self._chunks.pop(0))
            self._structural |= structural
            self._closed |= closed
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
            self._loop.call_soon_threadsafe(self._woken.set)

    async def next(self, timeout: float) -> Batch | None:
        """What happened since the last call, as soon as anything does; None after `timeout` seconds."""
        if not self._woken.is_set():
            try:
                await asyncio.wait_for(self._woken.wait(), max(0.0, timeout))
            except TimeoutError:
                return None
        with self._lock:
            self._woken.clear()
            self._scheduled = False
            batch = Batch(b"".join(self._chunks), self._structural, self._closed)
            self._chunks, self._size = [], 0
            self._structural = self._closed = False
        return batch

    async def recheck(self) -> None:
        """After a structural change: BridgeError if the pane is gone; follows it to another session."""
        pane_id, session_id = await _locate(self.target)
        moved = (pane_id, session_id) != (self.pane_id, self.session_id)
        if moved or self.watcher is None or not self.watcher.connected():
            _leave(self)
            self.pane_id, self.session_id = pane_id, session_id
            await _join(self)


class _SessionWatch:
    """The watching client of one session and the feeds of the panes waited on in it."""

    def __init__(self, key: tuple[int, tuple[str, ...], str], session_id: str) -> None:
        self.key = key
        self.feeds: dict[str, set[Feed]] = {}
        self.lock = threading.Lock()
        self.client = control_mode.ControlClient(
            list(key[1]),
            timeout=settings.TMUXHUB_TMUX_TIMEOUT,
            session=session_id,
            on_notification=self._notified,
            on_disconnect=self._disconnected,
        )

    def connected(self) -> bool:
        return self.client.is_connected()

    def _all(self) -> list[Feed]:
        with self.lock:
            return [feed for feeds in self.feeds.values() for feed in feeds]

    def _notified(self, line: bytes) -> None:
        """From the reader thread: a chunk of output for a pane, or some other change."""
        if line.startswith(b"%output "):
            _, pane, data = (line + b" ").split(b" ", 2)
            with self.lock:
                feeds = list(self.feeds.get(pane.decode(errors="replace"), ()))
            if feeds:
                chunk = unescape_output(data[:-1])
                for feed in feeds:
                    feed.push(chunk)
        elif not line.startswith((b"%begin ", b"%end ", b"%error ")):
            for feed in self._all():
                feed.push(structural=True)

    def _disconnected(self) -> None:
        for feed in self._all():
            feed.push(closed=True)


_watches: dict[tuple[int, tuple[str, ...], str], _SessionWatch] = {}
_watches_lock = threading.Lock()


def waiters(pane_id: str) -> int:
    """How many waits of this process are watching the pane now (for tests and diagnostics)."""
    with _watches_lock:
        watchers = list(_watches.values())
    return sum(len(w.feeds.get(pane_id, ())) for w in watchers)


async def _locate(target: str) -> tuple[str, str]:
    """The pane's id and its session's; BridgeError (tmux's own "can't find pane") when it is gone."""
    pane_id, session_id = await tmux.display(target, "pane_id", "session_id")
    if not pane_id or not session_id:
        # display-message prints nothing, without an error, for a target that does not exist.
        await tmux.capture(target, 1)
        raise BridgeError(f"tmux says: can't find pane: {target}")
    return pane_id, session_id


async def _join(feed: Feed) -> None:
    key = (os.getpid(), tuple(tmux.socket_args()), feed.session_id)
    with _watches_lock:
        watcher = _watches.get(key)
        if watcher is None:
            watcher = _watches[key] = _SessionWatch(key, feed.session_id)
        with watcher.lock:
            watcher.feeds.setdefault(feed.pane_id, set()).add(feed)
    feed.watcher = watcher
    try:
        # Answered only once the client is attached: from here on, tmux sends it the pane's output.
        await watcher.client.aready()
    except (control_mode.ControlModeUnavailable, control_mode.TmuxCommandError) as exc:
        _leave(feed)
        raise Unwatchable(str(exc)) from exc


def _leave(feed: Feed) -> None:
    watcher, feed.watcher = feed.watcher, None
    if watcher is None:
        return
    with watcher.lock:
        feeds = watcher.feeds.get(feed.pane_id, set())
        feeds.discard(feed)
        if not feeds:
            watcher.feeds.pop(feed.pane_id, None)
        unused = not watcher.feeds
    if unused:
        task = asyncio.get_running_loop().create_task(_close_later(watcher))
        _lingering.add(task)
        task.add_done_callback(_lingering.discard)


_lingering: set[asyncio.Task[None]] = set()


async def _close_later(watcher: _SessionWatch) -> None:
    """Keep the client attached a while (the next wait on the session is likely soon), then detach."""
    await asyncio.sleep(LINGER if watcher.connected() else 0)
    with _watches_lock, watcher.lock:
        if watcher.feeds or _watches.get(watcher.key) is not watcher:
            return
        del _watches[watcher.key]
    await asyncio.to_thread(watcher.client.close)


async def close_all() -> None:
    """Detach every watching client of this process (the hub's lifespan, at shutdown): their
    waiters, if any are left, see the feed close and check their pane as they would for any loss."""
    for task in list(_lingering):
        task.cancel()
    with _watches_lock:
        watchers = [w for key, w in _watches.items() if key[0] == os.getpid()]
        for watcher in watchers:
            del _watches[watcher.key]
    for watcher in watchers:
        await asyncio.to_thread(watcher.client.close)


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[None]:
    """The watches' part of the hub's lifespan: nothing to start (a watch attaches on the first wait
    on its session), and every watching client detached at the stop."""
    try:
        yield
    finally:
        await close_all()


@contextlib.asynccontextmanager
async def watch(target: str) -> AsyncIterator[Feed]:
    """A feed of the pane's output from now on. BridgeError if there is no such pane; Unwatchable
    if tmux would not attach a client to its session."""
    pane_id, session_id = await _locate(target)
    feed = Feed(target, pane_id, session_id)
    await _join(feed)
    try:
        yield feed
    finally:
        _leave(feed)


async def _matching(matcher: LineMatcher, lines: list[str]) -> list[str]:
    if not lines:
        return []
    if matcher.is_literal:
        # Linear and quick: a hop to a worker thread per batch would cost more than the search, and
        # on a loaded machine each hop waits for the scheduler (waiters fell behind a line a second).
        return [lines[i] for i in matcher.matching(lines)]
    return [lines[i] for i in await asyncio.to_thread(matcher.matching, lines)]


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))[:50]


async def wait_for_text(target: str, matcher: LineMatcher, timeout: float) -> tuple[list[str], float]:
    """Lines matching `matcher` in output that appears after the call (empty on timeout), and the
    seconds waited. Output is matched as it is written (a line that scrolls away at once still
    counts) and against the screen (text a full-screen program draws in place)."""
    started = time.monotonic()
    # What the screen shows as the call begins is not new. Taken before the watching client attaches:
    # what is printed while it attaches reaches the screen but never the feed.
    before = fingerprints(await _screen_rows(target))
    try:
        async with watch(target) as feed:
            return await _text_from_feed(feed, matcher, before, started, timeout)
    except Unwatchable:
        # What was printed while the attach was tried is new too: the polls compare from later on.
        early = await _new_on_screen(target, matcher, before)
        if early:
            return _unique(early), time.monotonic() - started
        return await _poll_for_text(target, matcher, started, timeout)


async def _text_from_feed(
    feed: Feed, matcher: LineMatcher, before: bytes, started: float, timeout: float
) -> tuple[list[str], float]:
    stream = TextStream()
    # Lines printed while the client attached; and one more look soon after, for a line that was
    # half written then (its end alone reaches the feed).
    early = await _new_on_screen(feed.target, matcher, before)
    if early:
        return _unique(early), time.monotonic() - started
    looked, screen_due = time.monotonic(), True
    while True:
        now = time.monotonic()
        if now - started >= timeout:
            return [], now - started
        wake = started + timeout
        if screen_due:
            wake = min(wake, looked + SCREEN_EVERY)
        batch = await feed.next(wake - now)
        hits: list[str] = []
        if batch is not None:
            if batch.structural or batch.closed:
                await feed.recheck()
            lines = stream.feed(batch.data)
            hits = await _matching(matcher, [*lines, stream.partial])
            # Plain lines the stream has seen whole; only output drawn in place needs the screen.
            screen_due = screen_due or stream.drew_in_place
            stream.drew_in_place = False
        now = time.monotonic()
        if not hits and screen_due and now - looked >= SCREEN_EVERY:
            hits = await _new_on_screen(feed.target, matcher, before)
            looked, screen_due = now, False
        if hits:
            return _unique(hits), time.monotonic() - started


async def _new_on_screen(target: str, matcher: LineMatcher, before: bytes) -> list[str]:
    """The lines on the screen now, not on it at `before`, that match."""
    return await _matching(matcher, new_lines(before, await _screen_rows(target))[0])


async def _screen_rows(target: str) -> list[str]:
    """The visible screen, where a full-screen program draws in place what the stream cannot show as
    lines (what scrolls off it, the stream has already seen)."""
    return (await tmux.visible(target))[0].rstrip("\n").split("\n")


async def _poll_for_text(
    target: str, matcher: LineMatcher, started: float, timeout: float
) -> tuple[list[str], float]:
    before = fingerprints(await tmux.capture(target, WINDOW))
    while True:
        fresh, _ = new_lines(before, await tmux.capture(target, WINDOW))
        hits = await _matching(matcher, fresh)
        elapsed = time.monotonic() - started
        if hits or elapsed >= timeout:
            return _unique(hits), elapsed
        await asyncio.sleep(min(POLL, max(0.0, timeout - elapsed)))


async def wait_until_quiet(target: str, quiet: float, timeout: float) -> tuple[bool, float]:
    """Whether the pane's screen (text and cursor) stayed unchanged for `quiet` seconds before
    `timeout` passed, and the seconds waited. A pane that writes nothing costs no tmux call."""
    started = time.monotonic()
    try:
        async with watch(target) as feed:
            return await _quiet_from_feed(feed, quiet, started, timeout)
    except Unwatchable:
        return await _poll_for_quiet(target, quiet, started, timeout)


async def _quiet_from_feed(feed: Feed, quiet: float, started: float, timeout: float) -> tuple[bool, float]:
    last = await tmux.visible(feed.target)
    changed_at = started
    while True:
        now = time.monotonic()
        if now - changed_at >= quiet or now - started >= timeout:
            return now - changed_at >= quiet, now - started
        batch = await feed.next(min(changed_at + quiet, started + timeout) - now)
        if batch is not None and (batch.structural or batch.closed):
            await feed.recheck()
        # No output for the whole quiet time still gets one look: a resize redraws without any.
        screen = await tmux.visible(feed.target)
        if screen != last:
            last, changed_at = screen, time.monotonic()
        if batch is not None:
            await asyncio.sleep(LOOK_EVERY)  # a busy pane: at most one look per LOOK_EVERY


async def _poll_for_quiet(target: str, quiet: float, started: float, timeout: float) -> tuple[bool, float]:
    last, changed_at = await tmux.visible(target), started
    while True:
        await asyncio.sleep(min(POLL, quiet / 4))
        screen = await tmux.visible(target)
        now = time.monotonic()
        if screen != last:
            last, changed_at = screen, now
        if now - changed_at >= quiet or now - started >= timeout:
            return now - changed_at >= quiet, now - started
