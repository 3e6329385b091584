"""`bridge.claude_code` on screens recorded from the real Claude Code TUI (claude_screens/, made by
`python -m tests.fixtures.claude_code --capture tests/bridge/claude_screens`), at 100 and 60 columns."""

from pathlib import Path

import pytest

from bridge.claude_code import finished, read_screen, reply_after, turns

SCREENS = Path(__file__).parent / "claude_screens"


def screen(name: str) -> list[str]:
    return (SCREENS / f"{name}.txt").read_text().split("\n")


@pytest.mark.parametrize("width", [100, 60])
def test_it_reads_the_idle_box_and_a_draft(width):
    assert read_screen(screen(f"idle-{width}")).state == "idle"
    assert read_screen(screen(f"replied-{width}")).state == "idle"
    draft = read_screen(screen(f"draft-{width}"))
    assert (draft.state, draft.draft) == ("draft", "a draft the person typed")
    assert read_screen(screen(f"draft-multiline-{width}")).draft == "a draft\nwith two lines"


@pytest.mark.parametrize("width", [100, 60])
def test_it_reads_working_with_a_draft_and_a_queued_prompt(width):
    working = read_screen(screen(f"working-{width}"))
    assert working.state == "working" and working.working and "…" in (working.status or "")
    typed = read_screen(screen(f"working-draft-{width}"))
    assert (typed.state, typed.working, typed.draft) == ("working", True, "queued one")
    queued = read_screen(screen(f"working-queued-{width}"))
    # The box's placeholder ("Press up to edit queued messages") is not a draft.
    assert (queued.state, queued.draft, queued.queued) == ("working", None, ["queued one"])


@pytest.mark.parametrize("width", [100, 60])
def test_it_reads_a_permission_dialog_with_its_options(width):
    shown = read_screen(screen(f"permission-{width}"))
    dialog = shown.dialog
    assert shown.state == "dialog" and dialog is not None
    assert (dialog.permission, dialog.title, dialog.question) == (
        True,
        "Bash command",
        "Do you want to proceed?",
    )
    assert [(o.number, o.label.split()[0], o.selected) for o in dialog.options] == [
        (1, "Yes", True), (2, "Yes,", False), (3, "No", False),
    ]  # fmt: skip
    assert "touch ran.txt" in dialog.details


@pytest.mark.parametrize("width", [100, 60])
def test_it_reads_pickers_and_menus(width):
    picker = read_screen(screen(f"model-picker-{width}"))
    assert picker.state == "dialog" and picker.dialog
    assert (picker.dialog.title, picker.dialog.permission) == ("Select model", False)
    assert [o.label for o in picker.dialog.options][:3] == ["Default (recommended)", "Opus", "Sonnet"]
    rewind = read_screen(screen(f"rewind-{width}"))
    assert rewind.state == "menu" and rewind.dialog
    assert (rewind.dialog.title, rewind.dialog.options) == ("Rewind", [])
    slash = read_screen(screen(f"slash-menu-{width}"))
    assert (slash.state, slash.draft) == ("menu", "/")
    assert slash.dialog and slash.dialog.details[0].startswith("/add-dir")
    # The box in shell mode: Enter would run it as a shell command, so it counts as unsent text.
    assert read_screen(screen(f"shell-mode-{width}")).draft == "!"


def test_a_shell_is_not_claude_code():
    shell = read_screen(screen("shell-100"))
    assert (shell.state, shell.claude_code, shell.dialog) == ("not_claude_code", False, None)


@pytest.mark.parametrize("width", [100, 60])
def test_it_finds_submitted_and_queued_turns_and_the_reply(width):
    lines = screen(f"replied-{width}")
    assert len(turns(lines, "think slowly")) == 1 and len(turns(lines)) == 2
    assert reply_after(lines, turns(lines, "think slowly")[0]) == ["● reply 1: think slowly"]
    assert turns(screen(f"working-queued-{width}"), "queued one")  # queued counts as taken
    assert not turns(screen(f"draft-{width}"), "a draft the person typed")  # a draft is not a turn


@pytest.mark.parametrize("width", [100, 60])
def test_a_turn_is_finished_only_once_its_closing_line_shows(width):
    replied = screen(f"replied-{width}")
    assert finished(replied, turns(replied, "think slowly")[0])
    working = screen(f"working-{width}")
    assert not finished(working, turns(working, "think slowly")[0])
    asking = screen(f"permission-{width}")
    assert not finished(asking, turns(asking, "please touch a file")[0])
