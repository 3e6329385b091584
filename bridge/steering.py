"""Steering Claude Code in a pane: look at it, type a prompt without pressing Enter blind, answer a
dialog, wait for the reply. The screen patterns are in `bridge.claude_code`; the tools that use
this are `tmux_send_prompt` (tools/keyboard.py) and those of tools/agent.py.

Verifying a prompt polls the screen every `POLL` seconds for up to `VERIFY` seconds; waiting for a
reply (`wait_until_done`) is woken by the pane's output (`bridge.watch`). All waiting is in this module.
When Claude Code's hooks report to the hub (`bridge.claude_hooks`), they are the truth for `ask`: the
prompt arrived (UserPromptSubmit), a permission is asked (PermissionRequest), the turn ended (Stop) and
the reply's text (the transcript); the screen is the fallback and says what hooks do not.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from . import agent_process, claude_hooks, tmux, watch
from .claude_code import TESTED as TESTED
from .claude_code import finished, placeholder, read_screen, reply_after, squash, turns
from .exceptions import BridgeError
from .schemas import AgentScreen, Dialog, DialogOption, PromptResult
from .screen import row_showing, shows, tail_of

POLL = 0.05  # seconds between looks while a prompt is typed and verified
LOCK_WAIT = 30.0  # seconds a prompt waits for another one to the same pane
VERIFY = (2.5, 5.5)  # seconds for the prompt to show up as a turn after the first and the second Enter
TYPED = 5.0  # seconds for a paste to show up in the box (a loaded machine, a long paste)
WINDOW = 1000  # lines read to count turns (history included)
REPLY_WINDOW = 2000  # lines read for a reply
IDLE_POLL = 0.15  # seconds between looks while waiting for a reply
QUIET_LOOK = 0.15  # seconds without output after which a waiting ask looks again (the spinner
# redraws every ~0.1 s while Claude Code works)
IDLE_ENOUGH = 2.0  # seconds idle without a turn's closing line that also count as done
TRANSCRIPT_WAIT = 3.0  # seconds the transcript may lag behind the Stop hook's last message
HOOKED_IDLE = 10.0  # the same once the hooks heard the prompt: their Stop is awaited (an interrupted
# turn has none)
PROGRESS_EVERY = 5.0  # seconds between progress notifications while waiting for a reply
Mode = Literal["text", "slash_command", "shell"]
SPECIAL = "/!#"  # a leading one of these makes Claude Code run a command, not send text


VERIFY_SECONDS = 1.5  # seconds for a prompt sent to another program to leave its input line
STABLE = 0.4  # seconds a dialog's screen stays unchanged before an answer is pressed
TAKEN = 2.0  # seconds for a pressed answer to close the dialog before it counts as not taken


async def look(pane: str) -> AgentScreen:
    """What the screen shows (the screen alone: `inspect` also asks the pane's process)."""
    rows = await tmux.rows(pane)
    screen = read_screen(rows)
    screen.pane = pane
    if screen.draft and "\n" not in screen.draft and not screen.draft.startswith("!"):
        styled = (await tmux.read("capture-pane", "-p", "-e", "-t", tmux.exact(pane))).split("\n")
        box = next((i for i, row in enumerate(rows) if row.rstrip() and screen.draft in row), None)
        if box is not None and box < len(styled) and placeholder(styled[box]):
            screen.draft = None  # a dimmed hint in the empty box ("Resend your message ...")
            screen.state = "idle" if screen.state == "draft" else screen.state
    return screen


async def inspect(pane: str) -> AgentScreen:
    """`look`, decided by the pane's process: a pane not running Claude Code is `not_claude_code`
    whatever it shows; one running it whose screen tmuxhub cannot read is `unknown`. Names the
    release (and whether it is newer than the newest tested)."""
    program = await agent_process.program(pane)
    if not program.claude_code:
        return AgentScreen(pane=pane, state="not_claude_code")
    screen = await look(pane)
    if screen.state == "not_claude_code":
        screen = AgentScreen(pane=pane, state="unknown")
    screen.version, screen.newer_than_tested = program.version, program.newer_than_tested
    return screen


def refuse_unknown(screen: AgentScreen, pane: str) -> None:
    """Claude Code runs in the pane but shows a screen tmuxhub does not read: no key is pressed."""
    if screen.state == "unknown":
        release = f" {screen.version}" if screen.version else ""
        newer = (
            f" (newer than {TESTED[-1]}, the newest release tmuxhub was tested with)"
            if screen.newer_than_tested
            else ""
        )
        raise BridgeError(
            f"Claude Code{release}{newer} runs in {pane} but shows a screen tmuxhub does not understand, "
            "so nothing was typed and no Enter pressed. Look with capture_pane; close what is open "
            "with send_keys (e.g. Escape), then send again."
        )


def _lock_path(pane_id: str) -> Path:
    folder = Path(tempfile.gettempdir()) / f"tmuxhub-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        raise BridgeError(
            f"{folder} belongs to someone else; remove it (the hub keeps its prompt locks there)"
        )
    server = hashlib.sha256(tmux.socket_path().encode()).hexdigest()[:16]
    return folder / f"{server}-{pane_id.lstrip('%')}.lock"


@asynccontextmanager
async def pane_lock(pane: str, wait: float = LOCK_WAIT) -> AsyncIterator[str]:
    """Hold the pane's prompt lock (one file lock per pane, shared by every hub process on this
    machine; the kernel drops it if a process dies). Yields the pane's id.

    Not `tmux wait-for -L`: a waiter that gives up (timeout, killed client) stays queued in tmux and
    is handed the lock later with nobody to release it, so the pane stays locked until tmux restarts.
    """
    pane_id = await tmux.pane_id(pane)
    handle = _lock_path(pane_id).open("a")
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise BridgeError(
                        f"another prompt to {pane} has been in progress for {wait:g}s; look with agent_state"
                    ) from None
                await asyncio.sleep(0.05)
        yield pane_id
    finally:
        handle.close()  # releases the lock


def describe(screen: AgentScreen) -> str:
    """A dialog or menu in words, with its options, for an error message."""
    dialog = screen.dialog or Dialog()
    what = dialog.title or (dialog.details[:1] or ["a dialog"])[0]
    if dialog.question:
        what += f": {dialog.question}"
    if dialog.options:
        what += " Options: " + "; ".join(f"{o.number}. {o.label}" for o in dialog.options) + "."
    return what


def _asks(screen: AgentScreen) -> tuple[str | None, str | None]:
    """What tells one dialog from the next."""
    return (screen.dialog.title, screen.dialog.question) if screen.dialog else (None, None)


def refuse_dialog(screen: AgentScreen, pane: str) -> None:
    if screen.state == "dialog":
        raise BridgeError(
            f"Claude Code in {pane} shows a dialog and nothing was typed (Enter would pick an option). "
            f"{describe(screen)} Answer it with answer_dialog, or send_keys Escape to cancel it."
        )
    if screen.state == "menu":
        raise BridgeError(
            f"Claude Code in {pane} shows a menu ({describe(screen)}); "
            "nothing was typed. Close it with send_keys Escape, then send again."
        )


def prepare(text: str, mode: Mode) -> tuple[str, list[str]]:
    """The text to paste for `mode`, and notes on what was changed."""
    notes = []
    if mode == "text" and text[:1] in SPECIAL:
        text = " " + text
        notes.append(f"a leading {text[1]!r} was sent after a space, so it reached the model as text")
    elif mode == "slash_command" and not text.startswith("/"):
        raise BridgeError("mode 'slash_command' needs text starting with '/', e.g. /compact")
    elif mode == "shell" and not text.startswith("!"):
        text = "!" + text
    if text.rstrip(" \t").endswith("\\"):
        text = text.rstrip(" \t") + " "  # "\" then Enter makes a new line in the box instead of sending
        notes.append("a space was added after the final '\\' (Claude Code reads '\\' + Enter as a newline)")
    return text, notes


@dataclass
class _Turns:
    """What the transcript holds, to tell a new turn from an old one with the same words."""

    matching: int  # turns showing the prompt
    total: int  # turns of any prompt
    unknown: int  # "Unknown command: /x" lines for the prompt's first word

    @classmethod
    async def count(cls, pane: str, text: str) -> _Turns:
        lines = await tmux.capture(pane, WINDOW)
        unknown = f"Unknown command: {text.split()[0]}" if text.strip() else "\0"
        return cls(len(turns(lines, text)), len(turns(lines)), sum(unknown in line for line in lines))


async def clear_draft(pane: str, draft: str) -> None:
    """Empty the input box without Escape (which would interrupt Claude Code while it works)."""
    for _ in range(3):
        presses = 2 * (draft.count("\n") + 1) + 2  # C-u kills to the line's start, then the newline
        await tmux.send_keys(pane, ["End", "C-e"])
        await tmux.send_keys(pane, ["C-u"], repeat=presses)
        await tmux.send_keys(pane, ["BSpace"])  # leaves shell mode ("!"), if it was on
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL)
            screen = await look(pane)
            if not screen.draft:
                return
        draft = screen.draft or ""
    raise BridgeError(
        f"could not clear the draft in {pane}; it still shows {draft[:80]!r}. Nothing was sent."
    )


@dataclass
class Sent:
    verified: bool
    queued: bool
    attempts: int
    detail: str


async def make_room(pane: str, replace_draft: bool) -> str | None:
    """Refuse a dialog or menu; clear a draft when allowed (returned), refuse it otherwise."""
    screen = await look(pane)
    refuse_dialog(screen, pane)
    if not screen.draft:
        return None
    if not replace_draft:
        raise BridgeError(
            f"the input box in {pane} holds a draft that was never sent: {screen.draft[:200]!r}. "
            "Nothing was typed. Pass replace_draft=true to clear it first (at the keyboard, "
            "Ctrl+Y brings it back), or ask the person."
        )
    await clear_draft(pane, screen.draft)
    return screen.draft


def _shows(draft: str | None, pasted: str) -> bool:
    """Whether the box shows `pasted` (its first 24 non-blank characters, wrapping ignored) or a
    collapsed paste ("[Pasted text #1 +20 lines]")."""
    if not draft:
        return False
    first = next((line for line in pasted.splitlines() if line.strip()), "")
    return "".join(first.split())[:24] in "".join(draft.split()) or "[Pasted text" in draft


async def _type(pane: str, pasted: str) -> None:
    """Paste, and wait for the text in the box; Enter is not pressed if a dialog took its place.

    Any draft is not enough: 2.1.197 can still show the previous prompt in its box a moment after
    submitting it (the flake of test_agent_state_follows_the_live_screens): Enter pressed then came
    before the paste landed, and the prompt was lost or a dialog met the next keys."""
    await tmux.paste(pane, pasted)
    screen = await _wait_for(pane, lambda s: s.state == "dialog" or _shows(s.draft, pasted), TYPED)
    if screen.state == "dialog":
        raise BridgeError(
            f"a dialog opened in {pane} while the text was typed, so Enter was not pressed: "
            f"{describe(screen)} Answer it with answer_dialog."
        )
    if not _shows(screen.draft, pasted):
        raise BridgeError(
            f"the text did not show up in {pane}'s input box within {TYPED:g}s; Enter was not pressed "
            "(it may still appear there as a draft). Look with agent_state."
        )


SLASH_GRACE = 0.6  # seconds a slash command that showed up as a turn is watched for "Unknown command"


async def _unknown_after_all(pane: str, pasted: str, before: _Turns, now: _Turns, after: AgentScreen) -> bool:
    """A slash command that just showed up as a turn: 2.1.337 can draw it a moment before replacing
    it with "Unknown command: /x". Watch SLASH_GRACE seconds for that line."""
    taken = now.matching > before.matching or (now.total > before.total and not after.draft)
    if not (taken and pasted.startswith("/")):
        return False
    deadline = time.monotonic() + SLASH_GRACE
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL)
        if (await _Turns.count(pane, pasted)).unknown > before.unknown:
            return True
    return False


async def _taken(
    pane: str, pasted: str, before: _Turns, seconds: float, turn: claude_hooks.Turn | None
) -> tuple[Sent | None, AgentScreen]:
    """Watch for the prompt to show up as a turn (or queued, or refused as an unknown command), or
    for Claude Code's UserPromptSubmit hook to receive it."""
    deadline = time.monotonic() + seconds
    while True:
        await asyncio.sleep(POLL)
        if turn is not None and turn.heard():
            return Sent(
                True, False, 0, "Claude Code's UserPromptSubmit hook received the prompt"
            ), await look(pane)
        now = await _Turns.count(pane, pasted)
        after = await look(pane)
        if now.unknown > before.unknown or await _unknown_after_all(pane, pasted, before, now, after):
            detail = f"Claude Code has no command {pasted.split()[0]}; nothing reached the model"
            return Sent(False, False, 0, detail), after
        if now.matching > before.matching or (now.total > before.total and not after.draft):
            queued = any(squash(pasted).startswith(squash(q)[:40]) for q in after.queued if squash(q))
            what = (
                "queued (Claude Code is busy; it is sent when the current turn ends)"
                if queued
                else "submitted"
            )
            if now.matching <= before.matching:
                what += " (shown shortened in the transcript)"
            return Sent(True, queued, 0, f"the prompt was {what}"), after
        if after.state == "dialog" or time.monotonic() > deadline:
            return None, after


async def submit(
    pane: str, text: str, mode: Mode, replace_draft: bool, turn: claude_hooks.Turn | None = None
) -> tuple[Sent, str | None]:
    """Type `text` into Claude Code's input box and press Enter, checking the screen first and
    after: the prompt must show up as a turn (or reach `turn`'s hooks). Call it holding `pane_lock`.
    Returns what happened and the draft it cleared (if any)."""
    cleared = await make_room(pane, replace_draft)
    pasted, notes = prepare(text, mode)
    before = await _Turns.count(pane, pasted)
    await _type(pane, pasted)
    for attempt in (1, 2):
        await tmux.send_keys(pane, ["Enter"])
        sent, after = await _taken(pane, pasted, before, VERIFY[attempt - 1], turn)
        if sent is not None:
            sent.attempts, sent.detail = attempt, "; ".join([sent.detail, *notes])
            return sent, cleared
        if after.state not in ("draft", "menu"):
            break  # the box emptied without a turn: another Enter could act on something else
    detail = (
        f"Enter was pressed but the prompt did not show up as a turn; Claude Code is now {after.state}"
        + (f" ({describe(after)})" if after.state == "dialog" else "")
        + ". Look with agent_state before sending again."
    )
    return Sent(False, False, attempt, detail), cleared


async def _wait_for(pane: str, condition: Callable[[AgentScreen], bool], seconds: float) -> AgentScreen:
    deadline = time.monotonic() + seconds
    while True:
        screen = await look(pane)
        if condition(screen) or time.monotonic() > deadline:
            return screen
        await asyncio.sleep(POLL)


def choose(screen: AgentScreen, choice: str) -> DialogOption:
    """The option `choice` names: its number, its label, or the start of its label ("yes, and")."""
    options = screen.dialog.options if screen.dialog else []
    wanted = " ".join(choice.lower().replace("\u2019", "'").split()).rstrip(".")
    if wanted.isdigit():
        found = [o for o in options if o.number == int(wanted)]
    else:
        found = [o for o in options if o.label.lower() == wanted]
        found = found or [o for o in options if o.label.lower().startswith(wanted)]
        words = wanted.split()[:2]
        found = found or [o for o in options if o.label.lower().split()[:2] == words]
    if len(found) != 1:
        listed = "; ".join(f"{o.number}. {o.label}" for o in options)
        raise BridgeError(
            f"{choice!r} names {'no' if not found else 'more than one'} option of the dialog: {listed}"
        )
    return found[0]


def _same(one: AgentScreen, other: AgentScreen) -> bool:
    """Whether two looks show the same dialog with the same option selected."""
    if one.state != "dialog" or other.state != "dialog" or _asks(one) != _asks(other):
        return False
    assert one.dialog is not None and other.dialog is not None
    options = [(o.label, o.selected) for o in one.dialog.options]
    return one.dialog.details == other.dialog.details and options == [
        (o.label, o.selected) for o in other.dialog.options
    ]


async def _settled(pane: str, seconds: float = STABLE, limit: float = 3.0) -> AgentScreen:
    """Look until the screen has not changed for `seconds` (at most `limit`): 2.1.337 drops a key
    pressed the moment a dialog appears."""
    rows, since = await tmux.rows(pane), time.monotonic()
    deadline = since + limit
    while time.monotonic() - since < seconds and time.monotonic() < deadline:
        await asyncio.sleep(POLL)
        now = await tmux.rows(pane)
        if now != rows:
            rows, since = now, time.monotonic()
    return await look(pane)


async def _press(pane: str, screen: AgentScreen, option: DialogOption) -> AgentScreen:
    """Press the option's number, or (unnumbered options) move the selection to it and press Enter.
    Returns the dialog as it stood when the deciding key went."""
    if not option.arrows:
        await tmux.send_keys(pane, [str(option.number)])
        return screen
    options = screen.dialog.options if screen.dialog else []
    current = next((o.number for o in options if o.selected), 1)
    if option.number != current:
        key = "Down" if option.number > current else "Up"
        await tmux.send_keys(pane, [key], repeat=abs(option.number - current))
        moved = await _wait_for(pane, lambda s: _selected(s) == option.label or s.state != "dialog", TAKEN)
        if moved.state != "dialog" or _selected(moved) != option.label:
            raise BridgeError(
                f"moving to {option.label!r} did not select it (Claude Code shows {moved.state}); "
                "Enter was not pressed. Look with agent_state."
            )
        screen = moved
    await tmux.send_keys(pane, ["Enter"])
    return screen


def _selected(screen: AgentScreen) -> str | None:
    options = screen.dialog.options if screen.dialog else []
    return next((o.label for o in options if o.selected), None)


async def answer(pane: str, choice: str) -> tuple[DialogOption, bool, AgentScreen]:
    """Pick an option of the dialog on screen; whether the dialog closed. The screen must be still
    for STABLE seconds first; a press the dialog provably did not take (the very same dialog, same
    selection, TAKEN seconds later) is pressed once more."""
    screen = await look(pane)
    if screen.state != "dialog":
        raise BridgeError(
            f"Claude Code in {pane} shows no dialog (it is {screen.state}); nothing was pressed"
        )
    option = choose(screen, choice)
    settled = await _settled(pane)
    if not _same(settled, screen):
        raise BridgeError(
            f"the dialog in {pane} changed before {option.label!r} was pressed; nothing was pressed. "
            f"It now shows {describe(settled) if settled.state == 'dialog' else settled.state}."
        )
    current = settled
    for _ in range(2):
        shown = await _press(pane, current, option)

        def moved_on(now: AgentScreen, shown: AgentScreen = shown) -> bool:
            return not _same(now, shown)

        current = await _wait_for(pane, moved_on, TAKEN)
        if moved_on(current):
            return option, True, current
    return option, False, current


Outcome = Literal["replied", "dialog", "timed_out"]


async def wait_until_done(
    pane: str,
    prompt: str,
    timeout: float,
    progress: Callable[[float, str], Awaitable[None]] | None = None,
    turn: claude_hooks.Turn | None = None,
) -> tuple[Outcome, list[str], AgentScreen, Literal["hooks", "screen"]]:
    """Wait until Claude Code is idle again after `prompt` (or shows a dialog); the reply's lines,
    and where they were read: Claude Code's transcript when its hooks heard the prompt (`turn`), else
    the screen.

    Woken by the pane's output (`bridge.watch`), looking at most every IDLE_POLL seconds while it
    streams. Done: the Stop hook, or else no spinner or queued prompt and the turn's closing line
    ("✻ Worked for 2s") or IDLE_ENOUGH seconds without one (the spinner can vanish a moment between a
    reply and a tool call)."""
    started = time.monotonic()
    wait = _Wait(pane, prompt, started, timeout, progress, turn)
    try:
        async with watch.watch(pane) as feed:
            outcome, screen = await wait.until_done(feed)
    except watch.Unwatchable:
        outcome, screen = await wait.until_done(None)
    # Without its Stop (an interrupted turn, a hook that never ran) the transcript is not known to be
    # complete: the screen says what it shows.
    if turn is not None and turn.heard() and (outcome == "dialog" or turn.stopped() is not None):
        if outcome == "dialog" and screen.dialog is not None and screen.dialog.permission:
            # The dialog may be drawn before its PermissionRequest hook has run: that names the tool.
            await _until(lambda: turn.permission() is not None, TRANSCRIPT_WAIT)
        await _until(lambda: turn.reply()[1], TRANSCRIPT_WAIT)
        text, _ = turn.reply()
        if text is not None:
            return outcome, text.splitlines(), screen, "hooks"
    return outcome, await _reply(pane, prompt), screen, "screen"


async def _until(done: Callable[[], bool], seconds: float) -> None:
    """Poll `done()` until it is true, for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await asyncio.sleep(POLL)


CLOSING_LINE = "the turn's closing line showed"


def how_it_ended(screen: AgentScreen) -> str:
    """What told a `replied` wait that the turn was over: the screen (the status `_idle_enough` left
    on it) or else Claude Code's Stop hook."""
    status = screen.status or ""
    return status if status == CLOSING_LINE or status.startswith("idle ") else "Claude Code's Stop hook"


@dataclass
class _Wait:
    pane: str
    prompt: str
    started: float
    timeout: float
    progress: Callable[[float, str], Awaitable[None]] | None
    turn: claude_hooks.Turn | None
    idle_since: float | None = None

    async def _idle_enough(self, screen: AgentScreen, heard: bool) -> bool:
        """Idle long enough to be done: the turn's closing line, or idle that long (a command, an
        error); once the hooks heard the prompt, only a long idle (their Stop is the done signal)."""
        if screen.working or screen.queued:
            self.idle_since = None
            return False
        self.idle_since = self.idle_since or time.monotonic()
        if time.monotonic() - self.idle_since >= (HOOKED_IDLE if heard else IDLE_ENOUGH):
            screen.status = f"idle {HOOKED_IDLE if heard else IDLE_ENOUGH:g}s without the turn's closing line"
            return True
        if not heard and await _finished(self.pane, self.prompt):
            screen.status = CLOSING_LINE
            return True
        return False

    def _hooked(self) -> tuple[Outcome | None, bool]:
        """What the hooks say: the turn ended or a permission is asked; whether they heard the prompt."""
        if self.turn is None or not self.turn.heard():
            return None, False
        if self.turn.stopped() is not None:
            return "replied", True
        return ("dialog" if self.turn.permission() is not None else None), True

    async def until_done(self, feed: watch.Feed | None) -> tuple[Outcome, AgentScreen]:
        last_report = self.started - PROGRESS_EVERY  # the first look reports
        batch = None
        while True:
            screen = await look(self.pane)
            elapsed = time.monotonic() - self.started
            said, heard = self._hooked()
            if said == "replied" or screen.state == "dialog":
                return ("dialog" if said is None else said), screen
            if said == "dialog":
                # The hook can come before the dialog is drawn: wait for it on screen (answer_dialog reads
                # it there), but not forever if this release draws one the screen cannot read.
                return "dialog", await _wait_for(self.pane, lambda s: s.state == "dialog", 2.0)
            if await self._idle_enough(screen, heard):
                return "replied", screen
            if elapsed >= self.timeout:
                return "timed_out", screen
            if self.progress is not None and time.monotonic() - last_report >= PROGRESS_EVERY:
                last_report = time.monotonic()
                await self.progress(elapsed, screen.status or screen.state)
            if batch is not None:
                await asyncio.sleep(IDLE_POLL)  # streaming output: at most one look per IDLE_POLL
            if feed is None:
                await asyncio.sleep(IDLE_POLL)
            else:
                wait = min(QUIET_LOOK, max(0.0, self.started + self.timeout - time.monotonic()))
                batch = await feed.next(wait)
                if batch is not None and (batch.structural or batch.closed):
                    await feed.recheck()


async def _finished(pane: str, prompt: str) -> bool:
    lines = await tmux.capture(pane, REPLY_WINDOW)
    found = turns(lines, prompt)
    return bool(found) and finished(lines, found[-1])


async def _reply(pane: str, prompt: str) -> list[str]:
    lines = await tmux.capture(pane, REPLY_WINDOW)
    found = turns(lines, prompt)
    return reply_after(lines, found[-1]) if found else []


# --- any other program: the text must leave its input line ------------------------------------------


async def _text_left(pane: str, tail: str, row: int, followed_cursor: bool) -> bool:
    """Poll until the typed text is gone from the input line (True) or VERIFY_SECONDS pass (False).

    When the text sat on the cursor's row, "gone" means the cursor's row no longer shows it (a shell
    moves on to a new line; a TUI empties its box). Otherwise the row it sat on must stop showing it.
    """
    deadline = time.monotonic() + VERIFY_SECONDS
    while True:
        await asyncio.sleep(0.1)
        rows, cursor = await tmux.screen(pane)
        if not shows(rows, cursor if followed_cursor else row, tail):
            return True
        if time.monotonic() > deadline:
            return False


async def type_and_check(pane: str, text: str, enter: bool, settle: float) -> PromptResult:
    """Any program but Claude Code (the generic path of tmux_send_prompt): paste, Enter, and check
    that the text left the input line."""
    await tmux.paste(pane, text)
    if not enter:
        return PromptResult(
            pane=pane, submitted=False, verified=False, attempts=0, detail="typed; Enter not sent"
        )
    await asyncio.sleep(settle)
    tail = tail_of(text)
    rows, cursor = await tmux.screen(pane)
    row = row_showing(rows, tail, cursor) if tail else None
    if row is None:
        # Long pastes are often shown collapsed ("[Pasted text +20 lines]"): watch the cursor's row instead.
        row, tail = cursor, " ".join(rows[cursor].split()) if 0 <= cursor < len(rows) else ""
    for attempt in (1, 2):
        await tmux.send_keys(pane, ["Enter"])
        if not tail:
            return PromptResult(
                pane=pane, submitted=True, verified=False, attempts=attempt,
                detail="Enter sent; the input line was blank, so there was nothing to verify against",
            )  # fmt: skip
        if await _text_left(pane, tail, row, followed_cursor=row == cursor):
            return PromptResult(
                pane=pane, submitted=True, verified=True, attempts=attempt, detail="the program took the text"
            )
        await asyncio.sleep(settle)
    return PromptResult(
        pane=pane, submitted=True, verified=False, attempts=2,
        detail="the text is still on the input line after two Enters; look with capture_pane",
    )  # fmt: skip
