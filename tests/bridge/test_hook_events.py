"""The hub's reading of Claude Code's hook events (bridge.claude_hooks): written by whatever runs in a
pane, so only well-formed events of the pane's own tmux server count, and a transcript is read only
where Claude Code keeps it."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bridge import claude_hook, claude_hooks, tmux

PANE = "%9001"


@pytest.fixture
def spool() -> Iterator[Path]:
    folder = claude_hooks.spool()
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    shutil.rmtree(folder / claude_hook.server_key(tmux.socket_path()), ignore_errors=True)


def hook(spool: Path, payload: dict[str, Any], server: str | None = None) -> None:
    environ = {"TMUX_PANE": PANE, "TMUX": f"{server or tmux.socket_path()},1,0"}
    claude_hook.deliver(spool, json.dumps(payload).encode(), environ)


def transcript(home: Path, session: str, entries: list[dict[str, Any]]) -> Path:
    path = home / ".claude" / "projects" / "-work" / f"{session}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def said(prompt_id: str | None, kind: str, *blocks: dict[str, Any], message_id: str = "") -> dict[str, Any]:
    message = {"role": kind, "content": list(blocks), **({"id": message_id} if message_id else {})}
    return {"type": kind, "promptId": prompt_id, "message": message}


def text(words: str) -> dict[str, Any]:
    return {"type": "text", "text": words}


def test_the_prompt_the_hook_heard_is_matched_however_it_was_wrapped(spool):
    turn = claude_hooks.Turn(PANE, "- one\n> two\n1. three")
    wrapped = '\n\n<pasted_content id="ab12">\n- one\n> two\n1. three\n</pasted_content id="ab12">\n'
    hook(spool, {"hook_event_name": "UserPromptSubmit", "session_id": "s-1", "prompt": "- one"})
    assert not turn.heard()
    hook(
        spool,
        {"hook_event_name": "UserPromptSubmit", "session_id": "s-1", "prompt_id": "p-1", "prompt": wrapped},
    )
    assert turn.heard() and turn.submitted is not None and turn.submitted.prompt_id == "p-1"


@pytest.mark.parametrize(
    "payload",
    [
        {"hook_event_name": "UserPromptSubmit", "session_id": "../../etc", "prompt": "hello"},
        {"hook_event_name": "Whatever", "session_id": "s-1", "prompt": "hello"},
        {"hook_event_name": "UserPromptSubmit", "prompt": "hello"},
        {"hook_event_name": "UserPromptSubmit", "session_id": "s-1", "prompt": ["hello"]},
    ],
)
def test_an_event_of_the_wrong_shape_is_not_heard(spool, payload):
    turn = claude_hooks.Turn(PANE, "hello")
    hook(spool, payload)
    assert not turn.heard()


def test_a_pane_of_another_tmux_server_with_the_same_id_is_not_this_one(spool, tmp_path):
    turn = claude_hooks.Turn(PANE, "hello")
    hook(
        spool,
        {"hook_event_name": "UserPromptSubmit", "session_id": "s-1", "prompt": "hello"},
        str(tmp_path / "x"),
    )
    assert not turn.heard()


def test_the_reply_is_every_text_of_the_turn_from_the_transcript(spool, tmp_path):
    path = transcript(
        tmp_path / "home",
        "s-1",
        [
            said("p-0", "user", text("before")),
            said(None, "assistant", text("old reply"), message_id="msg_old"),
            said("p-1", "user", text("hello")),
            said(None, "assistant", text("old reply"), message_id="msg_old"),  # written again
            said(None, "assistant", text("I will look.")),
            said(None, "assistant", {"type": "tool_use", "name": "Bash", "input": {"command": "ls"}}),
            said("p-1", "user", {"type": "tool_result", "content": "a b"}),
            said(None, "assistant", text("Two files.")),
            said("p-2", "user", text("next")),
            said(None, "assistant", text("not this turn's")),
        ],
    )
    turn = claude_hooks.Turn(PANE, "hello")
    common = {"session_id": "s-1", "prompt_id": "p-1", "transcript_path": str(path)}
    hook(spool, {**common, "hook_event_name": "UserPromptSubmit", "prompt": "hello"})
    hook(spool, {**common, "hook_event_name": "Stop", "last_assistant_message": "Two files."})

    assert turn.heard() and turn.reply() == ("I will look.\n\nTwo files.", True)


def test_a_transcript_where_claude_code_keeps_none_is_not_read(spool, tmp_path):
    elsewhere = tmp_path / "elsewhere" / "s-1.jsonl"
    elsewhere.parent.mkdir()
    elsewhere.write_text(json.dumps(said("p-1", "user", text("hello"))) + "\n")
    misnamed = transcript(tmp_path / "home", "s-2", [said("p-1", "user", text("hello"))])
    for path in (elsewhere, misnamed, Path(os.path.relpath(misnamed))):
        turn = claude_hooks.Turn(PANE, "hello")
        common = {"session_id": "s-1", "prompt_id": "p-1", "transcript_path": str(path)}
        hook(spool, {**common, "hook_event_name": "UserPromptSubmit", "prompt": "hello"})
        hook(spool, {**common, "hook_event_name": "Stop", "last_assistant_message": "from the hook"})

        assert turn.reply() == ("from the hook", True)


def test_a_permission_asked_names_its_tool_and_input(spool):
    turn = claude_hooks.Turn(PANE, "make x")
    common = {"session_id": "s-1", "prompt_id": "p-1"}
    hook(spool, {**common, "hook_event_name": "UserPromptSubmit", "prompt": "make x"})
    hook(
        spool,
        {
            **common,
            "hook_event_name": "PermissionRequest",
            "tool_name": "Bash",
            "tool_input": {"command": "touch x"},
        },
    )
    hook(spool, {**common, "hook_event_name": "Notification", "notification_type": "permission_prompt"})

    assert turn.heard()
    asked = turn.permission()
    assert asked is not None and (asked.tool_name, asked.tool_input) == ("Bash", '{"command": "touch x"}')
