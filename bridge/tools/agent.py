"""Tools for Claude Code in a pane: what it shows, answering its dialogs, and ask (prompt → reply)."""

from __future__ import annotations

import time
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult
from pydantic import Field

from bridge import app_view, claude_hooks, steering
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import AgentScreen, AnswerResult, AskResult, Dialog, PaneTarget, Permission, Seconds
from bridge.screen import cap_bytes


@hub_tool("readonly", title="What Claude Code shows", idempotent=True, meta=app_view.SHOWS_PANE)
async def agent_state(pane: PaneTarget) -> AgentScreen:
    """What Claude Code in a pane shows: idle, draft (unsent text), working, dialog (question and
    numbered options), menu, unknown (Claude Code runs but its screen is not understood: nothing is
    typed into it), or not_claude_code (decided by the pane's process); and the Claude Code version."""
    return await steering.inspect(pane)


@hub_tool("mutating", title="Answer a Claude Code dialog")
async def answer_dialog(
    pane: PaneTarget,
    option: Annotated[
        str, Field(min_length=1, max_length=200, description="Its number or label, e.g. 1, no.")
    ],
) -> AnswerResult:
    """Pick an option of the dialog Claude Code shows (e.g. a permission prompt) and check it closed."""
    async with steering.pane_lock(pane):
        screen = await steering.inspect(pane)
        if not screen.claude_code:
            raise BridgeError(f"{pane} does not run Claude Code; nothing was pressed")
        steering.refuse_unknown(screen, pane)
        chosen, closed, after = await steering.answer(pane, option)
    detail = f"picked {chosen.number}. {chosen.label}; " + (
        f"the dialog closed, Claude Code is {after.state}"
        if closed
        else "the dialog is still open; look with agent_state"
    )
    if closed and after.state == "dialog":
        detail = f"picked {chosen.number}. {chosen.label}; another dialog opened: {steering.describe(after)}"
    return AnswerResult(pane=pane, chosen=chosen, closed=closed, detail=detail)


@hub_tool("mutating", title="Ask Claude Code and wait for the reply", meta=app_view.SHOWS_PANE)
async def ask(
    pane: PaneTarget,
    text: Annotated[str, Field(min_length=1, max_length=65536, description="The prompt, sent as text.")],
    ctx: Context,
    timeout: Seconds = 300,
    replace_draft: bool = False,
) -> Annotated[CallToolResult, AskResult]:
    """Send a prompt to Claude Code, wait until it is idle again and return only its reply. Returns
    early with the question and options when it asks for permission (answer_dialog, then wait again).
    With the hub's hooks installed in Claude Code, the reply is its exact text however long."""
    started = time.monotonic()
    pasted, _ = steering.prepare(text, "text")
    async with steering.pane_lock(pane) as pane_id:
        screen = await steering.inspect(pane)
        if not screen.claude_code:
            raise BridgeError(f"{pane} does not run Claude Code; use tmux_send_prompt for other programs")
        steering.refuse_unknown(screen, pane)
        turn = claude_hooks.Turn(pane_id, pasted)
        sent, cleared = await steering.submit(pane, text, "text", replace_draft, turn)
    if not sent.verified:
        raise BridgeError(f"the prompt was not confirmed: {sent.detail}")

    async def progress(elapsed: float, status: str) -> None:
        await ctx.report_progress(round(elapsed, 1), timeout, f"Claude Code: {status}")

    outcome, lines, after, source = await steering.wait_until_done(pane, pasted, timeout, progress, turn)
    kept, cut = cap_bytes(lines)
    notes = [sent.detail] + ([f"cleared the unsent draft {cleared[:200]!r} first"] if cleared else [])
    if screen.newer_than_tested:
        notes.append(
            f"Claude Code {screen.version} is newer than {steering.TESTED[-1]}, the newest release tmuxhub "
            "was tested with: check the reply against capture_pane if it looks wrong"
        )
    if outcome == "replied":
        notes.append(f"done: {steering.how_it_ended(after)}")
    asked = turn.permission() if outcome == "dialog" else None
    permission = Permission(tool=asked.tool_name, input=asked.tool_input) if asked else None
    dialog = after.dialog if outcome == "dialog" and after.state == "dialog" else None
    if outcome == "dialog" and dialog is None:
        dialog = Dialog(title=f"{permission.tool} permission" if permission else None, permission=True)
    if outcome == "dialog":
        notes.append(f"Claude Code asks: {steering.describe(after)} Answer with answer_dialog")
    elif outcome == "timed_out":
        notes.append(f"still {after.state} after {timeout:g}s; call wait_for_idle or ask again later")
    result = AskResult(
        pane=pane,
        outcome=outcome,
        reply="\n".join(kept),
        truncated=cut,
        dialog=dialog,
        permission=permission,
        source=source,
        elapsed=round(time.monotonic() - started, 3),
        detail="; ".join(notes),
        version=screen.version,
        newer_than_tested=screen.newer_than_tested,
    )
    return terminal_result(result, "reply")
