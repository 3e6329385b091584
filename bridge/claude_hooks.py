"""What Claude Code's own hooks said about a pane: the prompt arrived, a permission is asked, the turn
ended, and the reply's exact text (from the session's transcript).

`bridge/claude_hook.py`, run by Claude Code (installed by `tmuxhub claude-code hooks install`), drops
one JSON file per event into `<data folder>/claude-hooks/<tmux server>/<pane>/`. This module reads them;
every hub process sees the same folder, so it works with any number of uvicorn workers. The events are
written by whatever runs in the pane, so each field is checked and bounded here, and the transcript is
read only at a path shaped like Claude Code's own (`~/.claude/projects/<project>/<session>.jsonl`,
owned by the hub's user), and only its last `TRANSCRIPT_TAIL` bytes.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from . import claude_hook, tmux
from .claude_code import squash

SPOOL_FOLDER = "claude-hooks"
NAMES = frozenset({"SessionStart", "UserPromptSubmit", "PermissionRequest", "Notification", "Stop"})
SESSION = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
MAX_TEXT = 1024 * 1024  # characters kept of a prompt or a reply
MAX_TOOL_INPUT = 4000  # characters of a tool's input, as JSON
TRANSCRIPT_TAIL = 8 * 1024 * 1024  # bytes of the transcript read for a reply
PASTED = re.compile(r"</?pasted_content\b[^>]*>")  # how 2.1.3xx wraps a big paste in the prompt


def spool() -> Path:
    return Path(settings.TMUXHUB_DATA_DIR) / SPOOL_FOLDER


@dataclass(frozen=True)
class HookEvent:
    name: str
    time_ns: int
    session_id: str
    prompt_id: str | None = None
    prompt: str | None = None
    last_message: str | None = None
    tool_name: str | None = None
    tool_input: str | None = None
    notification: str | None = None
    transcript_path: str | None = None


def _text(payload: dict[str, Any], key: str, limit: int = MAX_TEXT) -> str | None:
    value = payload.get(key)
    return value[:limit] if isinstance(value, str) else None


def parse(raw: bytes) -> HookEvent | None:
    """The event in one spool file, or None when it is not one the hub can trust the shape of."""
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("tmuxhub"), dict):
        return None
    name, session, stamp = payload.get("hook_event_name"), payload.get("session_id"), payload["tmuxhub"]
    time_ns = stamp.get("time_ns")
    if name not in NAMES or not isinstance(session, str) or not SESSION.match(session):
        return None
    if not isinstance(time_ns, int):
        return None
    prompt_id = _text(payload, "prompt_id", 100)
    tool_input = payload.get("tool_input")
    return HookEvent(
        name=name,
        time_ns=time_ns,
        session_id=session,
        prompt_id=prompt_id if prompt_id and SESSION.match(prompt_id) else None,
        prompt=_text(payload, "prompt"),
        last_message=_text(payload, "last_assistant_message"),
        tool_name=_text(payload, "tool_name", 200),
        tool_input=json.dumps(tool_input, ensure_ascii=False)[:MAX_TOOL_INPUT] if tool_input else None,
        notification=_text(payload, "notification_type", 100),
        transcript_path=_text(payload, "transcript_path", 4096),
    )


def events(pane_id: str, since_ns: int = 0) -> list[HookEvent]:
    """The pane's events written after `since_ns` (time.time_ns()), oldest first."""
    folder = claude_hook.pane_folder(spool(), tmux.socket_path(), pane_id)
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith(".json") and e.is_file())
    except OSError:
        return []
    found = []
    for name in names:
        if not name[:20].isdigit() or int(name[:20]) <= since_ns:
            continue
        try:
            raw = (folder / name).read_bytes()[: claude_hook.MAX_PAYLOAD]
        except OSError:
            continue  # pruned meanwhile
        if (event := parse(raw)) is not None:
            found.append(event)
    return found


def same_prompt(heard: str, sent: str) -> bool:
    """Whether the prompt a UserPromptSubmit hook received is the text the hub pasted (2.1.3xx wraps
    a big paste in <pasted_content> tags; whitespace may differ)."""
    return squash(PASTED.sub(" ", heard)) == squash(sent)


def transcript_file(event: HookEvent) -> Path | None:
    """The session's transcript, if the event names one where Claude Code keeps them."""
    if not event.transcript_path:
        return None
    path = Path(event.transcript_path)
    if not path.is_absolute() or path.name != f"{event.session_id}.jsonl":
        return None
    try:
        path = path.resolve(strict=True)
        owner = path.stat().st_uid
    except OSError:
        return None
    shaped = path.parent.parent.name == "projects" and path.parent.parent.parent.name == ".claude"
    return path if shaped and path.is_file() and owner == os.getuid() else None


def _tail(path: Path) -> list[str]:
    with path.open("rb") as file:
        size = file.seek(0, os.SEEK_END)
        file.seek(max(0, size - TRANSCRIPT_TAIL))
        data = file.read(TRANSCRIPT_TAIL)
    lines = data.decode(errors="replace").splitlines()
    return lines if size <= TRANSCRIPT_TAIL else lines[1:]  # the first may be cut


def _entry(line: str) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) and not entry.get("isSidechain") else None


def _blocks(entry: dict[str, Any]) -> list[dict[str, Any]]:
    message = entry.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return [block for block in content if isinstance(block, dict)] if isinstance(content, list) else []


@dataclass
class Said:
    """What Claude wrote in answer to one prompt, per the transcript: its text and the tools it called."""

    texts: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.texts)[:MAX_TEXT]


def transcript_reply(path: Path, prompt_id: str) -> Said | None:
    """What Claude wrote in answer to the prompt `prompt_id`, from the transcript; None when the prompt
    is not in its last TRANSCRIPT_TAIL bytes."""
    said: Said | None = None
    earlier: set[str] = set()  # messages of earlier turns: one written again later is not this reply
    for line in _tail(path):
        entry = _entry(line)
        if entry is None:
            continue
        kind, turn = entry.get("type"), entry.get("promptId")
        message = entry.get("message")
        message_id = message.get("id") if isinstance(message, dict) else None
        if kind == "user" and turn == prompt_id and said is None:
            said = Said()
        elif kind == "user" and isinstance(turn, str) and turn != prompt_id and said is not None:
            break  # the next prompt
        elif kind == "assistant" and said is None and isinstance(message_id, str):
            earlier.add(message_id)
        elif kind == "assistant" and said is not None and message_id not in earlier:
            for block in _blocks(entry):
                if block.get("type") == "text" and isinstance(block.get("text"), str):
                    said.texts.append(block["text"])
                elif block.get("type") == "tool_use" and isinstance(block.get("name"), str):
                    said.tools.append(block["name"])
    return said


@dataclass
class Turn:
    """One prompt the hub sent to a pane, followed through the pane's hook events."""

    pane_id: str
    prompt: str
    since_ns: int = field(default_factory=time.time_ns)
    submitted: HookEvent | None = None

    def _mine(self) -> list[HookEvent]:
        """Events of this prompt's session from its UserPromptSubmit on."""
        if not self.heard() or self.submitted is None:
            return []
        first = self.submitted
        return [
            e
            for e in events(self.pane_id, first.time_ns - 1)
            if e.session_id == first.session_id and (e.prompt_id or first.prompt_id) == first.prompt_id
        ]

    def heard(self) -> bool:
        """Whether Claude Code's UserPromptSubmit hook received this prompt."""
        if self.submitted is None:
            self.submitted = next(
                (
                    e
                    for e in events(self.pane_id, self.since_ns)
                    if e.name == "UserPromptSubmit"
                    and e.prompt is not None
                    and same_prompt(e.prompt, self.prompt)
                ),
                None,
            )
        return self.submitted is not None

    def stopped(self) -> HookEvent | None:
        """The Stop event that ended this prompt's turn, once there is one."""
        return next((e for e in self._mine() if e.name == "Stop"), None)

    def permission(self) -> HookEvent | None:
        """The latest permission asked during this turn and not followed by the turn's end."""
        asked = None
        for event in self._mine():
            if event.name == "PermissionRequest" or event.notification == "permission_prompt":
                asked = event if event.name == "PermissionRequest" or asked is None else asked
            elif event.name == "Stop":
                asked = None
        return asked

    def reply(self) -> tuple[str | None, bool]:
        """Everything Claude wrote for this prompt so far, from the transcript (else the Stop event's
        last message), and whether that is all of it: Claude Code may write the transcript's last
        entries a moment after its Stop or PermissionRequest hook ran."""
        stop, first = self.stopped(), self.submitted
        last = stop.last_message if stop is not None else None
        path = transcript_file(first) if first is not None else None
        said = transcript_reply(path, first.prompt_id) if first and first.prompt_id and path else None
        if stop is not None and said is None:
            return last, True
        if stop is not None and said is not None:
            whole = last is None or said.text.rstrip().endswith(last.strip())
            return (said.text if whole else last), whole
        asked = self.permission()
        tool = asked.tool_name if asked is not None else None
        whole = said is not None and (tool is None or tool in said.tools)
        return (said.text if said else None), whole
