"""Steering the real Claude Code TUI through the hub: agent_state, tmux_send_prompt, answer_dialog, ask.

Claude Code runs in a tmux pane against the fake Anthropic API (`anthropic`), whose `prompts` are
what really reached "the model". The numbered problems are those of issue 15.
"""

import asyncio
import re
import sys
from pathlib import Path

import pytest

from bridge.claude_code import read_screen
from tests.fakes.anthropic import Bash
from tests.fixtures.panes import pane_text
from tests.support.hub import call, call_error, mcp_client, mcp_session, structured
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def idle(pane) -> bool:
    """Claude Code at its empty box, as the hub reads it (not one release's footer)."""
    return read_screen(pane.capture_pane()).state == "idle"


def typed(pane, text: str) -> None:
    """Type into the box as the person at the keyboard would."""
    pane.cmd("send-keys", "-l", text)
    wait_until(lambda: text in pane_text(pane))


def pasted(pane, text: str) -> None:
    """Paste into the box as the person at the keyboard would (a bracketed paste: no Enter)."""
    pane.server.cmd("set-buffer", "-b", "person", text)
    pane.server.cmd("paste-buffer", "-p", "-d", "-b", "person", "-t", pane.pane_id)
    wait_until(lambda: text.splitlines()[-1] in pane_text(pane))


async def test_agent_state_follows_the_live_screens(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        assert (await call(session, "agent_state", pane=pane.pane_id))["state"] == "idle"
        typed(pane, "half a thought")
        draft = await call(session, "agent_state", pane=pane.pane_id)
        assert (draft["state"], draft["draft"]) == ("draft", "half a thought")
        pane.cmd("send-keys", "C-e", "C-u")
        wait_until(lambda: "half a thought" not in pane_text(pane))
        anthropic.hold()
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="take your time")
        wait_until(anthropic.streaming.is_set, timeout=20)
        working = await call(session, "agent_state", pane=pane.pane_id)
        assert working["state"] == "working" and working["status"]
        anthropic.release()
        anthropic.script(Bash("touch ran.txt"))
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="touch a file")
        wait_until(lambda: "Do you want to proceed?" in pane_text(pane), timeout=20)
        dialog = await call(session, "agent_state", pane=pane.pane_id)
    assert dialog["state"] == "dialog"
    assert (dialog["dialog"]["permission"], dialog["dialog"]["question"]) == (True, "Do you want to proceed?")
    labels = [o["label"] for o in dialog["dialog"]["options"]]  # 2.1.197: 3 options, 2.1.337: 4
    assert (labels[0], labels[-1]) == ("Yes", "No")


async def test_1_a_prompt_is_refused_while_a_permission_dialog_is_open(
    hub, mcp_token, claude_pane, anthropic, tmp_path
):
    pane = claude_pane()
    anthropic.script(Bash("touch ran.txt"))
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="touch a file")
        wait_until(lambda: "Do you want to proceed?" in pane_text(pane), timeout=20)
        error = await call_error(
            session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "no, do not run that"}
        )

    assert "dialog" in error and "1. Yes" in error and "answer_dialog" in error
    assert re.search(r"[34]\. No\.", error)
    assert "Do you want to proceed?" in pane_text(pane)  # still open: nothing was picked
    assert anthropic.tool_results == [] and not (tmp_path / "work0" / "ran.txt").exists()


async def test_2_a_prompt_ending_in_a_backslash_is_submitted(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="split on \\")

    assert out["verified"]
    wait_until(lambda: anthropic.prompts == ["split on \\"], timeout=20)
    assert "'\\'" in out["detail"]


@pytest.fixture
def other_hub(destructive_hub, destructive_token):
    """A second hub process on the same tmux server (as uvicorn's workers are), and a token for it: the
    session's destructive-tier hub, already running for other tests (its tier only adds kill tools)."""
    return destructive_hub, destructive_token


async def test_3_two_hubs_sending_at_once_give_two_prompts(hub, other_hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    other, other_token = other_hub
    async with mcp_session(hub, mcp_token) as first, mcp_session(other, other_token) as second:
        outs = await asyncio.gather(
            call(first, "tmux_send_prompt", pane=pane.pane_id, text="first client"),
            call(second, "tmux_send_prompt", pane=pane.pane_id, text="second client"),
        )

    assert all(out["verified"] for out in outs)
    wait_until(lambda: sorted(anthropic.prompts) == ["first client", "second client"], timeout=30)


async def test_4_a_draft_in_the_box_is_not_merged(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    pasted(pane, "the person's own words\nover two lines")
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "tool text"})
        assert "draft" in error and "the person's own words" in error and "replace_draft" in error
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="tool text", replace_draft=True)

    assert out["verified"] and "cleared the unsent draft" in out["detail"]
    wait_until(lambda: anthropic.prompts == ["tool text"], timeout=20)


async def test_5_the_same_prompt_twice_is_verified_both_times(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        for _ in range(2):
            # The final newline leaves the cursor below the text: the old check then watched the text's
            # row, where the transcript shows the same words once the box moves down.
            out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="run the tests again\n")
            assert out["verified"] and out["attempts"] == 1, out
            wait_until(lambda: idle(pane), timeout=20)

    wait_until(lambda: [p.strip() for p in anthropic.prompts] == ["run the tests again"] * 2, timeout=20)


async def test_5_a_prompt_queued_behind_the_placeholder_is_verified(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    anthropic.hold()
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="a long job")
        wait_until(anthropic.streaming.is_set, timeout=20)
        # The box then reads "Press up to edit queued messages": words of this prompt.
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text="then edit queued messages")
        assert out["verified"] and out["queued"] and out["attempts"] == 1, out
        anthropic.release()

    wait_until(lambda: anthropic.prompts == ["a long job", "then edit queued messages"], timeout=30)


async def test_6_leading_slash_bang_and_hash_reach_the_model_as_text(
    hub, mcp_token, claude_pane, anthropic, tmp_path
):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        for text in ("/no-such-command please", "!touch shell.txt", "# a heading"):
            out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text=text)
            assert out["verified"] and "as text" in out["detail"], out
            wait_until(lambda: idle(pane), timeout=20)

    wait_until(lambda: len(anthropic.prompts) == 3, timeout=20)
    assert [p.strip() for p in anthropic.prompts] == [
        "/no-such-command please",
        "!touch shell.txt",
        "# a heading",
    ]
    assert not (tmp_path / "work0" / "shell.txt").exists()


async def test_6_slash_commands_and_shell_lines_run_when_asked(
    hub, mcp_token, claude_pane, anthropic, tmp_path
):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        unknown = await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="/no-such-command", mode="slash_command"
        )
        shell = await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="touch shell.txt", mode="shell"
        )

    assert not unknown["verified"] and "no command /no-such-command" in unknown["detail"]
    assert shell["verified"]
    wait_until(lambda: (tmp_path / "work0" / "shell.txt").exists(), timeout=20)


async def test_answer_dialog_picks_by_label_and_by_number(hub, mcp_token, claude_pane, anthropic, tmp_path):
    pane = claude_pane()
    anthropic.script(Bash("touch no.txt"), Bash("touch yes.txt"))
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="first")
        wait_until(lambda: "Do you want to proceed?" in pane_text(pane), timeout=20)
        refused = await call(session, "answer_dialog", pane=pane.pane_id, option="No")
        assert refused["closed"] and refused["chosen"]["label"] == "No"
        wait_until(lambda: idle(pane), timeout=20)
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="second")
        wait_until(
            lambda: "touch yes.txt" in pane_text(pane) and "Do you want" in pane_text(pane), timeout=20
        )
        allowed = await call(session, "answer_dialog", pane=pane.pane_id, option="1")
        error = await call_error(session, "answer_dialog", {"pane": pane.pane_id, "option": "1"})

    assert allowed["closed"] and allowed["chosen"]["label"] == "Yes"
    assert "no dialog" in error
    wait_until(lambda: (tmp_path / "work0" / "yes.txt").exists(), timeout=20)
    assert not (tmp_path / "work0" / "no.txt").exists()


async def test_ask_returns_only_the_reply(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "ask", pane=pane.pane_id, text="warm up")
        answer = await session.call_tool("ask", {"pane": pane.pane_id, "text": "what is in this repo?"})

    out = structured(answer)
    assert out["outcome"] == "replied"
    assert out["reply"] == "● reply 2: what is in this repo?"
    # What a model reads: one line of the other fields, then the reply, once.
    [block] = answer.content
    assert block.text.split("\n", 1)[1] == out["reply"] and block.text.count("reply 2") == 1


async def test_ask_stops_at_a_permission_dialog(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    anthropic.script(Bash("touch x.txt"))
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text="make x", timeout=60)

    assert out["outcome"] == "dialog" and out["dialog"]["question"] == "Do you want to proceed?"
    assert "I will run a command." in out["reply"] and "answer_dialog" in out["detail"]


# Both protocols: the handshake session, and 2026-07-28 (a POST per call) that the SDK's Client picks.
@pytest.mark.parametrize("connect", [mcp_session, mcp_client], ids=["handshake", "2026-07-28"])
async def test_ask_reports_progress_while_claude_code_works(hub, mcp_token, claude_pane, anthropic, connect):
    pane = claude_pane()
    anthropic.hold()
    messages = []

    async def progress(done: float, total: float | None, message: str | None) -> None:
        messages.append(message)
        anthropic.release()  # the reply finishes only once a notification arrived

    async with connect(hub, mcp_token) as session:
        result = await session.call_tool(
            "ask", {"pane": pane.pane_id, "text": "a slow one", "timeout": 30}, progress_callback=progress
        )

    out = structured(result)
    assert out["outcome"] == "replied" and out["reply"] == "● reply 1: a slow one"
    assert messages and (messages[0] or "").startswith("Claude Code: ")


async def test_shell_mode_left_in_the_box_counts_as_a_draft(hub, mcp_token, claude_pane, anthropic, tmp_path):
    pane = claude_pane()
    typed(pane, "!")  # the person switched the box to shell mode: Enter would run the text in a shell
    wait_until(lambda: "! for shell mode" in pane_text(pane))
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "touch x.txt"})
        assert "'!'" in error
        out = await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="touch x.txt", replace_draft=True
        )

    assert out["verified"]
    wait_until(lambda: anthropic.prompts == ["touch x.txt"], timeout=20)
    assert not (tmp_path / "work0" / "x.txt").exists()


async def test_a_draft_typed_while_it_works_is_replaced_without_interrupting(
    hub, mcp_token, claude_pane, anthropic
):
    pane = claude_pane()
    anthropic.hold()
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="a long job")
        wait_until(anthropic.streaming.is_set, timeout=20)
        typed(pane, "half typed by the person")
        out = await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="the next job", replace_draft=True
        )
        assert out["verified"] and out["queued"], out
        assert anthropic.streaming.is_set()  # still answering the first prompt: not interrupted
        anthropic.release()

    wait_until(lambda: anthropic.prompts == ["a long job", "the next job"], timeout=30)
    assert "Interrupted" not in pane_text(pane)


async def test_typing_without_enter_keeps_to_the_same_rules(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    typed(pane, "mine")
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(
            session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "x", "enter": False}
        )
        await call(
            session, "tmux_send_prompt", pane=pane.pane_id, text="/clear", enter=False, replace_draft=True
        )
        wait_until(lambda: " /clear" in pane_text(pane))
        state = await call(session, "agent_state", pane=pane.pane_id)

    assert "draft" in error
    assert (state["state"], state["draft"]) == ("draft", "/clear")  # typed after a space: text, not a command
    assert anthropic.prompts == []


# Issue 24: every row about the screen, on each tested release (the fixtures run each test per release).


async def test_ask_ends_at_the_turns_closing_line(hub, mcp_token, claude_pane, anthropic, claude_release):
    pane = claude_pane()  # 2.1.337 closes a turn with "✻ Cooked for 0s · done 6:40 PM"
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text="a plain question")

    assert out["outcome"] == "replied" and out["reply"] == "● reply 1: a plain question"
    assert "the turn's closing line showed" in out["detail"], out  # not the idle fallback
    assert (out["version"], out["newer_than_tested"]) == (claude_release, False)


async def test_answer_dialog_works_the_moment_ask_returns_at_a_dialog(
    hub, mcp_token, claude_pane, anthropic, tmp_path
):
    pane = claude_pane()
    anthropic.script(Bash("touch now.txt"))
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text="make it now", timeout=60)
        assert out["outcome"] == "dialog"
        answered = await call(session, "answer_dialog", pane=pane.pane_id, option="yes")

    assert answered["closed"] and answered["chosen"]["label"] == "Yes", answered
    wait_until(lambda: (tmp_path / "work0" / "now.txt").exists(), timeout=20)


async def test_the_start_up_question_is_a_dialog_that_answer_dialog_gets_past(
    hub, mcp_token, claude_pane, anthropic, claude_release
):
    if claude_release == "2.1.197":
        pytest.skip("2.1.197 asks no start-up question")
    pane = claude_pane(start_up=False)
    async with mcp_session(hub, mcp_token) as session:
        shown = await call(session, "agent_state", pane=pane.pane_id)
        assert shown["state"] == "dialog", shown
        assert shown["dialog"]["question"] == "Make auto mode your default permission mode?"
        refused = await call_error(session, "ask", {"pane": pane.pane_id, "text": "hello"})
        assert "dialog" in refused and "answer_dialog" in refused
        answered = await call(session, "answer_dialog", pane=pane.pane_id, option="no, keep manual mode")
        assert answered["closed"], answered
        wait_until(lambda: idle(pane), timeout=20)
        out = await call(session, "ask", pane=pane.pane_id, text="past it")

    assert out["reply"] == "● reply 1: past it"
    assert "manual mode on" in pane_text(pane)


async def test_after_an_api_error_the_box_is_empty_and_the_next_ask_goes_through(
    hub, mcp_token, claude_pane, anthropic
):
    pane = claude_pane()
    anthropic.fail(529, 50)  # every retry fails (2.1.337 then offers "Resend your message to try again")
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="overloaded")
        wait_until(lambda: "529" in pane_text(pane) and idle(pane), timeout=90)
        state = await call(session, "agent_state", pane=pane.pane_id)
        anthropic.reset()
        out = await call(session, "ask", pane=pane.pane_id, text="once more")

    assert (state["state"], state["draft"]) == ("idle", None)
    assert out["outcome"] == "replied" and out["reply"].startswith("● reply")


async def test_a_prompt_is_refused_while_the_model_picker_is_open(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    pasted(pane, "/model")
    pane.cmd("send-keys", "Enter")
    wait_until(lambda: "Select model" in pane_text(pane))
    async with mcp_session(hub, mcp_token) as session:
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "hello"})

    assert "dialog" in error and "Select model" in error
    assert "Select model" in pane_text(pane) and anthropic.prompts == []


async def test_a_prompt_is_refused_as_a_menu_while_the_slash_menu_is_open(
    hub, mcp_token, claude_pane, anthropic
):
    pane = claude_pane()
    pane.cmd("send-keys", "/")
    wait_until(lambda: "/add-dir" in pane_text(pane))
    async with mcp_session(hub, mcp_token) as session:
        state = await call(session, "agent_state", pane=pane.pane_id)
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "hello"})

    assert state["state"] == "menu" and "menu" in error
    assert anthropic.prompts == []


async def test_a_screen_it_does_not_understand_gets_no_keys(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane()
    pane.window.cmd("resize-window", "-x", "16")  # too narrow for the box's rules: no screen tmuxhub reads
    wait_until(lambda: read_screen(pane.capture_pane()).state == "not_claude_code")
    async with mcp_session(hub, mcp_token) as session:
        state = await call(session, "agent_state", pane=pane.pane_id)
        error = await call_error(session, "tmux_send_prompt", {"pane": pane.pane_id, "text": "hello"})
        pane.window.cmd("resize-window", "-x", "120")
        wait_until(lambda: idle(pane))
        after = await call(session, "agent_state", pane=pane.pane_id)

    assert state["state"] == "unknown" and "does not understand" in error and "nothing was typed" in error
    assert (after["state"], after["draft"], anthropic.prompts) == ("idle", None, [])


async def test_a_shell_printing_a_claude_code_screen_is_not_claude_code(hub, mcp_token, shell_pane):
    screen = Path(__file__).parent / "claude_screens" / "2.1.337" / "idle-100.txt"
    shell_pane.send_keys(f"clear; cat {screen}")
    wait_until(lambda: "manual mode on" in pane_text(shell_pane))
    async with mcp_session(hub, mcp_token) as session:
        state = await call(session, "agent_state", pane=shell_pane.pane_id)
        error = await call_error(session, "ask", {"pane": shell_pane.pane_id, "text": "hello"})

    assert state["state"] == "not_claude_code" and "does not run Claude Code" in error
    assert "hello" not in pane_text(shell_pane)


async def test_a_release_newer_than_the_tested_ones_is_named_as_such(hub, mcp_token, make_pane, tmp_path):
    # A stand-in in an npm package that claims a newer release; it draws a recorded idle screen.
    package = tmp_path / "node_modules" / "@anthropic-ai" / "claude-code"
    (package / "bin").mkdir(parents=True)
    (package / "package.json").write_text('{"name": "@anthropic-ai/claude-code", "version": "9.0.0"}')
    screen = Path(__file__).parent / "claude_screens" / "2.1.337" / "idle-100.txt"
    script = package / "bin" / "claude"
    script.write_text(f"#!/bin/sh\nclear\ncat {screen}\nsleep 600\n")
    script.chmod(0o755)
    pane = make_pane(str(script))
    wait_until(lambda: "manual mode on" in pane_text(pane))
    async with mcp_session(hub, mcp_token) as session:
        state = await call(session, "agent_state", pane=pane.pane_id)

    assert (state["state"], state["version"], state["newer_than_tested"]) == ("idle", "9.0.0", True)


async def test_enter_waits_for_the_paste_to_show_not_for_any_text_in_the_box(
    hub, mcp_token, make_pane, tmp_path
):
    # The cause of test_agent_state_follows_the_live_screens' flake: 2.1.197 can go on drawing the
    # previous prompt in its box a moment after a paste arrives; taken for the paste, Enter went early.
    package = tmp_path / "node_modules" / "@anthropic-ai" / "claude-code"
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "@anthropic-ai/claude-code", "version": "2.1.197"}')
    program = package / "cli.py"
    program.write_text((Path(__file__).parents[1] / "tui" / "stale_box.py").read_text())
    log = tmp_path / "keys.log"
    pane = make_pane(f"{sys.executable} {program} {log}")
    wait_until(lambda: "? for shortcuts" in pane_text(pane))
    async with mcp_session(hub, mcp_token) as session:
        await call(session, "tmux_send_prompt", pane=pane.pane_id, text="touch a file")

    assert log.read_text() == "enter\n"
