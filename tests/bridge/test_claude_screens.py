# ruff: noqa: RUF001 (the TUI draws with these characters)
"""`bridge.claude_code` on screens recorded from the real Claude Code TUI of every tested release
(claude_screens/<version>/, made by `python -m tests.fixtures.claude_code --capture
tests/bridge/claude_screens [VERSION]`), at 100 and 60 columns."""

from pathlib import Path

import pytest

from bridge.claude_code import TESTED, finished, placeholder, read_screen, reply_after, turns
from tests.support.claude_code import RELEASES

SCREENS = Path(__file__).parent / "claude_screens"
EVERY = pytest.mark.parametrize("release", RELEASES)
WIDTHS = pytest.mark.parametrize("width", [100, 60])


def screen(release: str, name: str) -> list[str]:
    return (SCREENS / release / f"{name}.txt").read_text().split("\n")


def test_every_tested_release_has_its_recorded_screens():
    assert TESTED == RELEASES
    assert sorted(p.name for p in SCREENS.iterdir() if p.is_dir()) == sorted(RELEASES)


@EVERY
@WIDTHS
def test_it_reads_the_idle_box_and_a_draft(release, width):
    assert read_screen(screen(release, f"idle-{width}")).state == "idle"
    assert read_screen(screen(release, f"replied-{width}")).state == "idle"
    draft = read_screen(screen(release, f"draft-{width}"))
    assert (draft.state, draft.draft) == ("draft", "a draft the person typed")
    assert read_screen(screen(release, f"draft-multiline-{width}")).draft == "a draft\nwith two lines"


@EVERY
@WIDTHS
def test_the_box_after_an_api_error_is_empty_not_a_draft(release, width):
    # 2.1.337 shows "Resend your message to try again" in the empty box
    after_error = read_screen(screen(release, f"api-error-{width}"))
    assert (after_error.state, after_error.draft) == ("idle", None)


def test_a_dimmed_text_in_the_box_is_a_placeholder_and_typed_text_is_not():
    # As `capture-pane -e` gives them on 2.1.337: the cursor (reverse video) on the first letter.
    assert placeholder("\x1b[39m❯\xa0\x1b[7mR\x1b[0;2m\x1b[39m\x1b[49mesend your message to try again\x1b[0m")
    assert not placeholder("\x1b[39m❯\xa0typed\x1b[7m \x1b[0m\x1b[39m\x1b[49m")
    assert not placeholder("\x1b[39m❯\xa0\x1b[38;5;2mgreen text\x1b[0m")  # 5;2 is a colour, not dim
    assert not placeholder("\x1b[39m❯\xa0\x1b[7m \x1b[0m")  # empty


@EVERY
@WIDTHS
def test_it_reads_working_with_a_draft_and_a_queued_prompt(release, width):
    working = read_screen(screen(release, f"working-{width}"))
    assert working.state == "working" and working.working and "…" in (working.status or "")
    typed = read_screen(screen(release, f"working-draft-{width}"))
    assert (typed.state, typed.working, typed.draft) == ("working", True, "queued one")
    queued = read_screen(screen(release, f"working-queued-{width}"))
    # The box's placeholder ("Press up to edit queued messages") is not a draft.
    assert (queued.state, queued.draft, queued.queued) == ("working", None, ["queued one"])


@EVERY
@WIDTHS
def test_it_reads_a_permission_dialog_with_its_options(release, width):
    shown = read_screen(screen(release, f"permission-{width}"))
    dialog = shown.dialog
    assert shown.state == "dialog" and dialog is not None
    assert (dialog.permission, dialog.title, dialog.question) == (
        True,
        "Bash command",
        "Do you want to proceed?",
    )
    labels = [o.label.split()[0] for o in dialog.options]
    assert labels[0] == "Yes" and labels[-1] == "No" and set(labels[1:-1]) == {"Yes,"}
    assert [o.number for o in dialog.options] == list(range(1, len(labels) + 1))
    assert dialog.options[0].selected and not any(o.arrows for o in dialog.options)
    assert "touch ran.txt" in dialog.details
    assert all(len(set(row)) > 1 for row in dialog.details)  # no dashed separators


@EVERY
@WIDTHS
def test_it_reads_pickers_and_menus(release, width):
    picker = read_screen(screen(release, f"model-picker-{width}"))  # 2.1.337: under a ▔▔▔ line
    assert picker.state == "dialog" and picker.dialog
    assert (picker.dialog.title, picker.dialog.permission) == ("Select model", False)
    assert [o.label for o in picker.dialog.options][:2] == ["Default (recommended)", "Opus"]
    rewind = read_screen(screen(release, f"rewind-{width}"))
    assert rewind.state == "menu" and rewind.dialog
    assert (rewind.dialog.title, rewind.dialog.options) == ("Rewind", [])
    slash = read_screen(screen(release, f"slash-menu-{width}"))  # 2.1.337: drawn above the box
    assert (slash.state, slash.draft, slash.queued) == ("menu", "/", [])
    assert slash.dialog and slash.dialog.details[0].lstrip("❯ ").startswith("/add-dir")
    # The box in shell mode: Enter would run it as a shell command, so it counts as unsent text.
    assert read_screen(screen(release, f"shell-mode-{width}")).draft == "!"


@WIDTHS
def test_a_start_up_question_with_unnumbered_options_is_a_dialog(width):
    shown = read_screen(screen("2.1.337", f"start-up-question-{width}"))
    dialog = shown.dialog
    assert shown.state == "dialog" and dialog is not None and not dialog.permission
    assert dialog.question == "Make auto mode your default permission mode?"
    assert [(o.number, o.label, o.selected, o.arrows) for o in dialog.options] == [
        (1, "Yes, set auto mode as my default permission mode", True, True),
        (2, "No, keep manual mode", False, True),
    ]


@EVERY
def test_a_shell_is_not_claude_code(release):
    shell = read_screen(screen(release, "shell-100"))
    assert (shell.state, shell.claude_code, shell.dialog) == ("not_claude_code", False, None)


@EVERY
@WIDTHS
def test_it_finds_submitted_and_queued_turns_and_the_reply(release, width):
    lines = screen(release, f"replied-{width}")
    assert len(turns(lines, "think slowly")) == 1 and len(turns(lines)) == 2
    assert reply_after(lines, turns(lines, "think slowly")[0]) == ["● reply 1: think slowly"]
    assert turns(screen(release, f"working-queued-{width}"), "queued one")  # queued counts as taken
    assert not turns(screen(release, f"draft-{width}"), "a draft the person typed")  # a draft is not a turn


@EVERY
@WIDTHS
def test_a_turn_is_finished_only_once_its_closing_line_shows(release, width):
    replied = screen(release, f"replied-{width}")  # 2.1.337: "✻ Cooked for 0s · done 6:40 PM"
    assert finished(replied, turns(replied, "think slowly")[0])
    working = screen(release, f"working-{width}")
    assert not finished(working, turns(working, "think slowly")[0])
    asking = screen(release, f"permission-{width}")
    assert not finished(asking, turns(asking, "please touch a file")[0])


@EVERY
@pytest.mark.parametrize(
    "notice",
    [
        " " * 80 + "◐ medium · /effort",
        "  tmux focus-events off · add 'set -g focus-events on' to ~/.tmux.conf and reattach for focus tra…",
    ],
    ids=["effort", "focus-events"],
)
def test_a_notice_above_the_box_is_not_part_of_the_reply(release, notice):
    # 2.1.337 shows passing notices right above the box for its first seconds (seen live in tmux at
    # 100 columns: the focus-events one), after the turn's closing line.
    lines = screen(release, "replied-100")
    top = max(i for i, row in enumerate(lines) if row.startswith("─"))
    top = max(i for i, row in enumerate(lines[:top]) if row.startswith("─"))
    noticed = [*lines[:top], "", notice, *lines[top:]]
    assert reply_after(noticed, turns(noticed, "queued one")[0]) == ["● reply 2: queued one"]
