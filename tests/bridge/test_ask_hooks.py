"""`ask` on the real Claude Code TUI with the hub's hooks installed (`tmuxhub claude-code hooks
install`): Claude Code's own signals say the prompt arrived, the turn ended and what the reply is.

Claude Code runs in a tmux pane against the fake Anthropic API (`anthropic`), whose `prompts` are
what really reached "the model"; its hooks write into this test run's data folder, which the hub reads.
"""

import json
import shutil
from pathlib import Path

import pytest

from bridge import claude_hooks
from tests.fakes.anthropic import Bash
from tests.fixtures.panes import pane_text
from tests.support.hub import call, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

TALL = "\n".join(f"line {n} of a tall reply, every one of them kept" for n in range(1, 251))
PROMPT = "\n".join(
    [f"- a bullet {n} with ünïcödé ✓ and a long tail of words to fill the line" for n in range(30)]
    + [f"> a quoted line {n}, which a markdown reader would indent" for n in range(30)]
    + [f"{n}. a numbered line that looks like an option of a dialog" for n in range(1, 31)]
)[:5000]


def unwrapped(prompt: str) -> str:
    """The prompt as the person typed it (2.1.3xx wraps a big paste in <pasted_content> tags)."""
    return claude_hooks.PASTED.sub("", prompt).strip()


def stop_hook_runs(home: Path) -> list[dict]:
    """What Claude Code's transcript says of each run of its Stop hooks (how long they took, errors)."""
    lines = [
        line
        for path in (home / ".claude" / "projects").rglob("*.jsonl")
        for line in path.read_text().splitlines()
    ]
    return [entry for entry in map(json.loads, lines) if entry.get("subtype") == "stop_hook_summary"]


async def test_ask_returns_a_250_line_reply_whole(hub, mcp_token, claude_pane, anthropic):
    pane = claude_pane(hooks=True)
    anthropic.script(TALL)
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text="tell me everything", timeout=60)

    assert (out["outcome"], out["source"], out["truncated"]) == ("replied", "hooks", False)
    assert out["reply"] == TALL


async def test_a_5000_character_prompt_is_confirmed_and_reaches_the_model_once(
    hub, mcp_token, claude_pane, anthropic
):
    pane = claude_pane(hooks=True)
    assert len(PROMPT) == 5000
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text=PROMPT, timeout=60)

    assert (out["outcome"], out["source"]) == ("replied", "hooks")
    assert [unwrapped(prompt) for prompt in anthropic.prompts] == [PROMPT]
    assert out["reply"].startswith("reply 1: ")


async def test_tmux_send_prompt_of_a_5000_character_prompt_is_verified_by_the_hook(
    hub, mcp_token, claude_pane, anthropic
):
    pane = claude_pane(hooks=True)
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "tmux_send_prompt", pane=pane.pane_id, text=PROMPT)

    assert out["verified"] and out["attempts"] == 1
    wait_until(lambda: len(anthropic.prompts) == 1, timeout=30)
    assert [unwrapped(prompt) for prompt in anthropic.prompts] == [PROMPT]


async def test_ask_reports_the_permission_asked_with_its_tool(
    hub, mcp_token, claude_pane, anthropic, tmp_path
):
    pane = claude_pane(hooks=True)
    anthropic.script(Bash("touch asked.txt"))
    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "ask", pane=pane.pane_id, text="make a file", timeout=60)

    assert (out["outcome"], out["source"]) == ("dialog", "hooks")
    assert out["permission"]["tool"] == "Bash"
    assert json.loads(out["permission"]["input"])["command"] == "touch asked.txt"
    assert out["dialog"]["permission"] and out["reply"] == "I will run a command."
    assert not (tmp_path / "work0" / "asked.txt").exists()


@pytest.mark.timing
def test_claude_code_with_hooks_answers_as_fast_with_the_hub_down(claude_pane, anthropic, tmp_path):
    """No hub process, and its spool folder gone: the hook exits at once and Claude Code carries on."""
    pane = claude_pane(hooks=True)
    shutil.rmtree(claude_hooks.spool())
    pane.cmd("send-keys", "-l", "are you there?")
    wait_until(lambda: "are you there?" in pane_text(pane))
    pane.cmd("send-keys", "Enter")
    wait_until(lambda: "reply 1: are you there?" in pane_text(pane), timeout=30)

    wait_until(lambda: stop_hook_runs(tmp_path / "home0"), timeout=20)  # the transcript lags a little
    [stop] = stop_hook_runs(tmp_path / "home0")
    assert stop["hookErrors"] == [] and stop["hookCount"] == 1
    assert stop["hookInfos"][0]["durationMs"] < 2000  # a Python start on a loaded machine, nothing more
    assert anthropic.prompts == ["are you there?"] and not claude_hooks.spool().exists()
