# ruff: noqa: RUF001, RUF002 (the TUI draws with these characters)
"""What Claude Code's TUI shows, read from a pane's text: every pattern about Claude Code lives here.

Pure functions on lists of lines (checked against screens of the real TUI, version 2.1.x, kept in
tests/bridge/claude_screens/). The shapes they rely on, loosely matched so a restyled release
still reads:

    ❯ fix the test                     a submitted prompt in the transcript ("! cmd" in shell mode)
    ● I will run a command.            the reply
    ✽ Gitifying… (1s · ↓ 1 tokens)     the spinner while it works ("✻ Worked for 2s" once done)
      ❯ queued one                     a prompt queued while it works
    ────────────────────────────       the input box between two rules; hints and menus below
    ❯ a draft                          (continuation lines indented by two)
    ────────────────────────────
      esc to interrupt · ...

A dialog (permission prompt, model picker...) replaces the box with a panel under one rule: a
title, details, maybe a question ("Do you want to proceed?") and numbered options, `❯` marking the
selected one.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .schemas import AgentScreen, Dialog, DialogOption, State

RULE = re.compile(r"^\s*─{20,}\s*$")
BOX_LINE = re.compile(r"^([❯!])(?:\s(.*))?$")  # "!" when the box is in shell mode
TURN = re.compile(r"^([❯!])\s(.*)$")  # a submitted prompt (column 0), shell-mode lines start with "!"
QUEUED = re.compile(r"^\s{2,}❯\s(.*)$")
SPINNER = re.compile(r"^\s*[·✢✳✶✻✽✦*∗]\s+(\S[^…]{0,60}….*)$")
DONE = re.compile(r"^\s*[·✢✳✶✻✽✦*∗]\s+\S+ for \d[\dhms ]*$")  # "✻ Worked for 2s"
OPTION = re.compile(r"^\s*(❯\s*)?(\d{1,2})\.\s*(\S.*)$")
PLACEHOLDER = re.compile(r'^(Press up to edit queued messages|Try ".*")$')
SLASH_MENU = re.compile(r"^/\S+\s{2,}\S")  # "/model    Set the AI model ..." under the box
INTERRUPT = "esc to interrupt"


def squash(text: str) -> str:
    return " ".join(text.split())


def _box(rows: list[str]) -> tuple[int, int] | None:
    """Rows of the input box's two rules (top, bottom): the last pair with a `❯` line under the top."""
    rules = [i for i, row in enumerate(rows) if RULE.match(row)]
    for top, bottom in reversed(list(pairwise(rules))):
        if bottom > top + 1 and BOX_LINE.match(rows[top + 1]):
            return top, bottom
    return None


def _box_text(lines: list[str]) -> str:
    match = BOX_LINE.match(lines[0])
    first = (match.group(2) or "") if match else lines[0]
    rest = [line[2:] if line.startswith("  ") else line for line in lines[1:]]
    text = "\n".join([first, *rest]).strip()
    return "" if PLACEHOLDER.match(text) else text


def _label(text: str) -> str:
    """An option's label: its first column (the model picker adds a description after 2+ spaces)."""
    return re.split(r"\s{2,}", text.strip())[0].rstrip(" ✔").strip()


def read_screen(rows: list[str]) -> AgentScreen:
    """Which of Claude Code's screens `rows` (a pane's visible rows) show."""
    rows = [row.rstrip() for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    box = _box(rows)
    if box is None:
        return _panel(rows)
    top, bottom = box
    above, below = rows[:top], rows[bottom + 1 :]
    draft = _box_text(rows[top + 1 : bottom])
    recent = [row for row in above if row.strip()][-8:]
    spinner = next((m.group(1) for row in reversed(recent) if (m := SPINNER.match(row))), None)
    working = spinner is not None or any(INTERRUPT in row.lower() for row in below)
    queued = [m.group(1) for row in recent if (m := QUEUED.match(row))]
    menu = [row.strip() for row in below if SLASH_MENU.match(row)]
    if rows[top + 1].startswith("!"):
        draft = f"!{draft}"  # shell mode: Enter would run the box as a shell command
    state: State = "menu" if menu else "working" if working else "draft" if draft else "idle"
    return AgentScreen(
        state=state,
        working=working,
        status=spinner,
        draft=draft or None,
        queued=queued,
        dialog=Dialog(details=menu[:20]) if menu else None,
    )


def _panel(rows: list[str]) -> AgentScreen:
    """A screen without the input box: a dialog or menu under the last rule, or not Claude Code."""
    rules = [i for i, row in enumerate(rows) if RULE.match(row)]
    panel = [row.strip() for row in rows[rules[-1] + 1 :]] if rules else []
    text = [row for row in panel if row]
    options: list[DialogOption] = []
    first_option = None
    for i, row in enumerate(panel):
        if m := OPTION.match(row):
            first_option = i if first_option is None else first_option
            options.append(
                DialogOption(number=int(m.group(2)), label=_label(m.group(3)), selected=bool(m.group(1)))
            )
    hints = any(re.search(r"\b(Esc|Enter) to\b", row) for row in text)
    if not text or not (options or hints):
        return AgentScreen(state="not_claude_code")
    before = [row for row in panel[:first_option] if row] if first_option is not None else text
    question = next((row for row in reversed(before) if row.endswith("?")), None)
    details = [row for row in before if row not in (text[0], question)]
    dialog = Dialog(
        title=text[0],
        question=question,
        options=options,
        permission=bool(question and question.startswith("Do you want")),
        details=details[:30],
    )
    return AgentScreen(state="dialog" if options else "menu", dialog=dialog)


def transcript(lines: list[str]) -> list[str]:
    """The lines above the input box (or above a dialog's rule): the conversation so far."""
    box = _box(lines)
    if box is not None:
        return lines[: box[0]]
    rules = [i for i, row in enumerate(lines) if RULE.match(row)]
    return lines[: rules[-1]] if rules else lines


def same_prompt(shown: str, prompt: str) -> bool:
    """Whether a transcript turn showing `shown` is `prompt` (its first line, maybe cut or wrapped)."""
    first = squash(next((line for line in prompt.splitlines() if line.strip()), "")).lstrip("!").strip()
    shown = squash(shown).lstrip("!").strip()
    if not first or not shown:
        return False
    return first == shown or (len(shown) >= 12 and first.startswith(shown)) or shown.startswith(first)


def turns(lines: list[str], prompt: str | None = None) -> list[int]:
    """Indexes of the transcript lines that show `prompt` (any prompt: None) as a submitted or
    queued turn."""
    return [
        i
        for i, line in enumerate(transcript(lines))
        if (m := TURN.match(line) or QUEUED.match(line))
        and (prompt is None or same_prompt(m.groups()[-1], prompt))
    ]


def finished(lines: list[str], turn: int) -> bool:
    """Whether the turn at `turn` shows its closing line ("✻ Worked for 2s"): Claude Code is done
    with it (not between a reply's text and a tool call, where the spinner may be gone a moment)."""
    body = transcript(lines)[turn + 1 :]
    body = body[: next((i for i, line in enumerate(body) if TURN.match(line)), len(body))]
    return any(DONE.match(line) for line in body)


def reply_after(lines: list[str], turn: int) -> list[str]:
    """The transcript lines after the turn at `turn` up to the next turn: Claude's reply (the prompt's
    own continuation lines, blank edges and the "✻ Worked for 2s" line left out)."""
    body = transcript(lines)[turn + 1 :]
    body = body[: next((i for i, line in enumerate(body) if TURN.match(line)), len(body))]
    while body and body[0].startswith("  ") and not body[0].strip().startswith(("⎿", "●")):
        body = body[1:]  # the rest of a multi-line prompt
    body = [line for line in body if not DONE.match(line)]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return body
