# ruff: noqa: RUF001, RUF002 (the TUI draws with these characters)
"""What Claude Code's TUI shows, read from a pane's text: every pattern about Claude Code lives here.

Pure functions on lists of lines (checked against screens of the real TUI of every tested release,
`TESTED`, kept in tests/bridge/claude_screens/<version>/). The shapes they rely on, loosely matched
so a restyled release still reads:

    ❯ fix the test                     a submitted prompt in the transcript ("! cmd" in shell mode)
    ● I will run a command.            the reply
    ✽ Gitifying… (1s · ↓ 1 tokens)     the spinner while it works; once done a closing line
                                       "<glyph> <Verb> for <time>[ · anything]" ("✻ Worked for 2s",
                                       "✻ Cooked for 0s · done 6:40 PM")
      ❯ queued one                     a prompt queued while it works (2.1.337: "❯ queued one" with
                                       "⎿ Queued ..." under it)
    ────────────────────────────       the input box between two rules; hints and menus below it
    ❯ a draft                          or above it (continuation lines indented by two); a dimmed
    ────────────────────────────       text in the box is a placeholder, not a draft
      esc to interrupt · ...

A dialog (permission prompt, model picker, start-up question...) replaces the box with a panel under
one full-width rule (`─`, `▔`, `━` or `═`): a title, details, maybe a question ("Do you want to
proceed?") and options, numbered or not, `❯` marking the selected one.
"""

from __future__ import annotations

import re
from itertools import pairwise

from .schemas import AgentScreen, Dialog, DialogOption, State

# The releases whose screens these rules were checked on (tests/bridge/claude_screens/<version>/),
# oldest first: a newer Claude Code is read the same way but flagged (`newer_than_tested`).
TESTED = ("2.1.197", "2.1.337")
BOX_RULE = re.compile(r"^\s*─{20,}\s*$")  # the input box's two rules
RULE = re.compile(r"^\s*(?:─{20,}|▔{20,}|━{20,}|═{20,})\s*$")  # also a panel's top edge (2.1.337's ▔)
BOX_LINE = re.compile(r"^([❯!])(?:\s(.*))?$")  # "!" when the box is in shell mode
TURN = re.compile(r"^([❯!])\s(.*)$")  # a submitted prompt (column 0), shell-mode lines start with "!"
QUEUED = re.compile(r"^\s{2,}❯\s(.*)$")
SPINNER = re.compile(r"^\s*[·✢✳✶✻✽✦*∗]\s+(\S[^…]{0,60}….*)$")
# A turn's closing line: one glyph, one word, "for" and a duration, maybe more after a "·"
# ("✻ Worked for 2s", "✻ Cooked for 0s · done 6:40 PM"). Not a reply ("●"), a prompt or a tool line.
DONE = re.compile(r"^\s*[^\w\s●❯⎿!>]\s+\w+ for \d+(?:\.\d+)?[hms](?: ?\d+[hms])*(?:\s+·.*)?$")
OPTION = re.compile(r"^\s*(❯\s*)?(\d{1,2})\.\s*(\S.*)$")
CHOICE = re.compile(r"^(\s*)❯\s+(\S.*)$")  # the selected one of unnumbered options
PLACEHOLDER = re.compile(r'^(Press up to edit queued messages|Try ".*"|Resend your message to try again)$')
SLASH_MENU = re.compile(r"^(?:❯\s*)?/\S+\s{2,}\S")  # "/model    Set the AI model ..." by the box
QUEUED_NOTE = re.compile(r"^\s+⎿\s+Queued\b")  # 2.1.337: under a queued prompt drawn as a turn
HINT = re.compile(r"^\s{16,}\S.* · ")  # a right-aligned notice ("◐ medium · /effort") before a turn closes
SGR = re.compile(r"\x1b\[([0-9;:]*)m")
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[^\[]")
INTERRUPT = "esc to interrupt"


def squash(text: str) -> str:
    return " ".join(text.split())


def _box(rows: list[str]) -> tuple[int, int] | None:
    """Rows of the input box's two rules (top, bottom): the last pair with a `❯` line under the top."""
    rules = [i for i, row in enumerate(rows) if BOX_RULE.match(row)]
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
    menu_above = _menu_above(above)
    above = above[: len(above) - len(menu_above)]
    recent = [row for row in above if row.strip()][-8:]
    spinner = next((m.group(1) for row in reversed(recent) if (m := SPINNER.match(row))), None)
    working = spinner is not None or any(INTERRUPT in row.lower() for row in below)
    queued = _queued(recent)
    menu = [row.strip() for row in menu_above + below if SLASH_MENU.match(row.strip())]
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


def _queued(recent: list[str]) -> list[str]:
    """Prompts queued while it works: indented under a `❯`, or drawn as a turn with "⎿ Queued" under."""
    queued = [m.group(1) for row in recent if (m := QUEUED.match(row))]
    notes = [m.group(2) for row, nxt in pairwise(recent) if QUEUED_NOTE.match(nxt) and (m := TURN.match(row))]
    return queued + notes


def _menu_above(above: list[str]) -> list[str]:
    """The rows of a slash-command menu drawn right above the box (2.1.337), if one is."""
    block: list[str] = []
    for row in reversed(above):
        if not SLASH_MENU.match(row.strip()) and not (row.startswith(" " * 8) and row.strip()):
            break  # neither a command nor its description's wrapped rest
        block.insert(0, row)
    return block if any(SLASH_MENU.match(row.strip()) for row in block) else []


def placeholder(styled_row: str) -> bool:
    """Whether the text in the box's first row (as captured with its styles, `capture-pane -e`) is
    drawn dimmed: a placeholder the TUI shows in the empty box, not text someone typed. The cell under
    the cursor (reverse video) does not count. Hand-written: an SGR walk of one row is all it takes."""
    style = {"dim": False, "reverse": False}
    seen_glyph = False
    letters: list[bool] = []
    position = 0
    for match in SGR.finditer(styled_row + "\x1b[m"):
        for char in ESCAPE.sub("", styled_row[position : match.start()]):
            if not seen_glyph:
                seen_glyph = char in "❯!>"
            elif not char.isspace() and not style["reverse"]:
                letters.append(style["dim"])
        position = match.end()
        _apply_sgr(style, match.group(1))
    return bool(letters) and all(letters)


def _apply_sgr(style: dict[str, bool], params: str) -> None:
    """Dim (2 on, 22 off) and reverse video (7 on, 27 off) after one SGR sequence's parameters."""
    codes = [int(c) if c.isdigit() else 0 for c in re.split("[;:]", params or "0")]
    switches = {0: {"dim": False, "reverse": False}, 2: {"dim": True}, 22: {"dim": False}}
    switches |= {7: {"reverse": True}, 27: {"reverse": False}}
    skip = 0
    for i, code in enumerate(codes):
        if skip:
            skip -= 1
        elif code in (38, 48, 58):  # an extended colour: its arguments are not attributes
            skip = 2 if codes[i + 1 : i + 2] == [5] else 4
        else:
            style.update(switches.get(code, {}))


def _panel(rows: list[str]) -> AgentScreen:
    """A screen without the input box: a dialog or menu under the last rule, or not Claude Code."""
    rules = [i for i, row in enumerate(rows) if RULE.match(row)]
    panel = [row.rstrip() for row in rows[rules[-1] + 1 :]] if rules else []
    text = [row.strip() for row in panel if row.strip()]
    options: list[DialogOption] = []
    first_option = None
    for i, row in enumerate(panel):
        if m := OPTION.match(row):
            first_option = i if first_option is None else first_option
            options.append(
                DialogOption(number=int(m.group(2)), label=_label(m.group(3)), selected=bool(m.group(1)))
            )
    if not options:
        first_option, options = _choices(panel)
    hints = any(re.search(r"\b(Esc|Enter) to\b", row) for row in text)
    if not text or not (options or hints):
        return AgentScreen(state="not_claude_code")
    before = text if first_option is None else [row.strip() for row in panel[:first_option] if row.strip()]
    question = next((row for row in reversed(before) if row.endswith("?")), None)
    details = [row for row in before if row not in (text[0], question) and len(set(row)) > 1]
    dialog = Dialog(
        title=text[0],
        question=question,
        options=options,
        permission=bool(question and question.startswith("Do you want")),
        details=details[:30],
    )
    return AgentScreen(state="dialog" if options else "menu", dialog=dialog)


def _choices(panel: list[str]) -> tuple[int | None, list[DialogOption]]:
    """Unnumbered options under a question (2.1.337's start-up question): the block of lines around
    the `❯` one, each starting at the column of the selected one's text. Numbered here in order, with
    `arrows` set: they are picked with the arrow keys and Enter. Without a question first (a list to
    browse, such as Rewind) there are none."""
    selected = next((i for i, row in enumerate(panel) if CHOICE.match(row)), None)
    if selected is None or not any(row.strip().endswith("?") for row in panel[:selected]):
        return None, []
    m = CHOICE.match(panel[selected])
    assert m is not None
    column = len(panel[selected]) - len(m.group(2))
    start = selected
    while start > 0 and _at(panel[start - 1], column):
        start -= 1
    end = selected + 1
    while end < len(panel) and _at(panel[end], column):
        end += 1
    labels = [CHOICE.sub(r"\2", row).strip() for row in panel[start:end]]
    if len(labels) < 2:
        return None, []
    options = [
        DialogOption(number=n, label=_label(label), selected=start + n - 1 == selected, arrows=True)
        for n, label in enumerate(labels, 1)
    ]
    return start, options


def _at(row: str, column: int) -> bool:
    """Whether `row` is text starting exactly at `column` (an option beside the selected one)."""
    return len(row) > column and not row[:column].strip() and not row[column].isspace()


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
        and not SLASH_MENU.match(line.strip())  # a slash menu's selected row (2.1.337: above the box)
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
    own continuation lines, blank edges and the "✻ Worked for 2s" line left out). Nothing after the
    turn's closing line belongs to it: 2.1.337 shows passing notices there, right above the box
    ("tmux focus-events off · add ...", "◐ medium · /effort"), for its first seconds."""
    body = transcript(lines)[turn + 1 :]
    body = body[: next((i for i, line in enumerate(body) if TURN.match(line)), len(body))]
    closing = [i for i, line in enumerate(body) if DONE.match(line)]
    body = body[: closing[-1]] if closing else body
    while body and body[0].startswith("  ") and not body[0].strip().startswith(("⎿", "●")):
        body = body[1:]  # the rest of a multi-line prompt
    body = [line for line in body if not DONE.match(line) and not HINT.match(line)]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return body
