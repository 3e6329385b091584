"""Tools that type into panes: prompts for TUIs such as Claude Code, named keys, shell commands."""

from __future__ import annotations

import re
from typing import Annotated

from django.conf import settings
from mcp.types import CallToolResult
from pydantic import AfterValidator, Field

from bridge import claude_hooks, shell_markers, steering, tmux
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import CommandResult, KeysResult, PaneTarget, PromptResult, Seconds, checker
from bridge.screen import cap_bytes

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _refuse_control(text: str, hint: str) -> None:
    if CONTROL.search(text):
        raise BridgeError(f"text contains control characters (escape, carriage return...); {hint}")


@hub_tool("mutating", title="Send a prompt to a pane")
async def tmux_send_prompt(
    pane: PaneTarget,
    text: Annotated[str, Field(min_length=1, max_length=65536, description="Sent literally, as typed.")],
    enter: Annotated[bool, Field(description="Press Enter after the text, and verify it was taken.")] = True,
    replace_draft: Annotated[
        bool, Field(description="Claude Code: clear unsent text in its box first.")
    ] = False,
    mode: Annotated[
        steering.Mode,
        Field(
            description="Claude Code: 'text' reaches the model as text; 'slash_command' or 'shell' runs it."
        ),
    ] = "text",
    settle_ms: Annotated[int, Field(ge=0, le=5000, description="Pause between the text and Enter.")] = 150,
) -> PromptResult:
    """Type text into a pane as one bracketed paste (exact, even when it starts with '-'), then Enter.

    In Claude Code it refuses while a dialog or menu is open or unsent text is in the box, and verifies
    the prompt shows up as a turn; elsewhere it checks the text left the input line.
    """
    _refuse_control(text, "send keys like Escape or C-c with send_keys")
    async with steering.pane_lock(pane) as pane_id:
        screen = await steering.inspect(pane)
        steering.refuse_unknown(screen, pane)
        if screen.claude_code and enter:
            # Text reaches Claude Code's UserPromptSubmit hook, when the hub's hooks are installed.
            turn = claude_hooks.Turn(pane_id, steering.prepare(text, mode)[0]) if mode == "text" else None
            sent, cleared = await steering.submit(pane, text, mode, replace_draft, turn)
            detail = sent.detail
            if cleared:
                detail = f"cleared the unsent draft {cleared[:200]!r} first (Ctrl+Y brings it back); {detail}"
            return PromptResult(
                pane=pane, submitted=True, verified=sent.verified, attempts=sent.attempts, queued=sent.queued,
                detail=detail,
            )  # fmt: skip
        if screen.claude_code:  # typing only: the same rules, so nothing merges into a draft
            await steering.make_room(pane, replace_draft)
            text, _ = steering.prepare(text, mode)
        return await steering.type_and_check(pane, text, enter, settle_ms / 1000)


KEY = re.compile(
    r"^((C|M|S)-)*([!-:<-~]|Escape|Enter|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|"
    r"PageUp|PageDown|PgUp|PgDn|PPage|NPage|IC|DC|Insert|Delete|F([1-9]|1[0-2]))$"
)


_check_key = checker(
    KEY,
    "a key name: use e.g. C-c, Escape, Enter, Tab, Up, Down, PageUp, F5, M-x, "
    "or one printable character but ';'; send text with tmux_send_prompt",
)


Key = Annotated[
    str, Field(max_length=16, json_schema_extra={"pattern": KEY.pattern}), AfterValidator(_check_key)
]


@hub_tool("mutating", title="Press keys in a pane")
async def send_keys(
    pane: PaneTarget,
    keys: Annotated[
        list[Key], Field(min_length=1, max_length=32, description="Key names, pressed in order.")
    ],
    repeat: Annotated[int, Field(ge=1, le=100)] = 1,
) -> KeysResult:
    """Press named keys (C-c, Escape, Up, Enter, ...) in a pane; no Enter is added."""
    await tmux.send_keys(pane, keys, repeat)
    return KeysResult(pane=pane, keys=keys * repeat if repeat > 1 else keys)


def _without_final_separator(command: str) -> str:
    """`echo a;` without its final ';', which the `; printf` that follows would turn into a `;;`
    syntax error; an escaped one (`echo a\\;`, an odd run of backslashes) is text and stays."""
    stripped = command.rstrip()
    backslashes = len(stripped[:-1]) - len(stripped[:-1].rstrip("\\"))
    return stripped[:-1] if stripped.endswith(";") and backslashes % 2 == 0 else command


@hub_tool("mutating", title="Run a shell command in a pane")
async def run_command(
    pane: PaneTarget,
    command: Annotated[str, Field(min_length=1, max_length=4096, description="One line of shell.")],
    timeout: Seconds = 30,
    max_lines: Annotated[int, Field(ge=1, le=2000)] = 500,
) -> Annotated[CallToolResult, CommandResult]:
    """Run one shell command line at the pane's prompt; return its output and exit status.

    The pane must show a POSIX-like shell prompt (bash, zsh, sh). The command is wrapped in unique
    markers, visible in the pane, that delimit its output and carry `$?` (`bridge.shell_markers`).
    """
    _refuse_control(command, "give one line of shell")
    if command.rstrip().endswith("&") and not command.rstrip().endswith("&&"):
        raise BridgeError(
            "a command ending in '&' cannot report its status; drop the '&' or use tmux_send_prompt"
        )
    if (await tmux.display(pane, "alternate_on"))[0] == "1":
        raise BridgeError("the pane shows a full-screen program, not a shell prompt; use tmux_send_prompt")
    window = min(max_lines + 200, settings.TMUXHUB_CAPTURE_MAX_LINES)
    output, status, cut = await shell_markers.run_visible(
        pane, _without_final_separator(command), timeout, window
    )
    return _command_result(pane, output, status, cut, max_lines)


def _command_result(
    pane: str, output: list[str], status: int | None, cut: bool, max_lines: int
) -> CallToolResult:
    if status is not None and output and not output[-1]:
        output = output[:-1]  # the newline printed before the end marker
    kept, truncated = cap_bytes(output[-max_lines:])
    result = CommandResult(
        pane=pane,
        completed=status is not None,
        exit_status=status,
        output="\n".join(kept),
        timed_out=status is None,
        truncated=truncated or cut or len(output) > max_lines,
    )
    return terminal_result(result, "output")
