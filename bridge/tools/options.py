"""Tools that read tmux's state as format values and options, and set the few options that are safe."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.schemas import Changed, FormatValues, OptionList, OptionValue, Target

# What get_info may read: names, never format text from the caller (`#()` would run a command).
Format = Literal[
    "version", "pid", "socket_path", "start_time",
    "session_id", "session_name", "session_windows", "session_attached", "session_created",
    "session_activity", "session_path",
    "window_id", "window_index", "window_name", "window_width", "window_height", "window_panes",
    "window_layout", "window_zoomed_flag", "window_active", "window_activity",
    "pane_id", "pane_index", "pane_title", "pane_current_command", "pane_current_path", "pane_pid",
    "pane_width", "pane_height", "pane_active", "pane_dead", "pane_dead_status", "pane_in_mode",
    "pane_mode", "pane_pipe", "pane_synchronized", "pane_start_command", "history_size",
    "history_limit", "cursor_x", "cursor_y", "alternate_on",
]  # fmt: skip
Scope = Literal["server", "session", "window", "pane"]


@hub_tool("readonly", title="Read tmux format values", idempotent=True)
async def get_info(
    fields: Annotated[list[Format], Field(min_length=1, max_length=42)],
    target: Target | None = None,
) -> FormatValues:
    """tmux format values (server, session, window, pane) for a target, or the first session's.
    Stands in for display-message -p, with names from a fixed list."""
    return FormatValues(values=await tmux.formats(target, list(dict.fromkeys(fields))))


OPTION_NAME = r"^(@[A-Za-z0-9_-]{1,64}|[a-z][a-z0-9-]{0,63})$"


@hub_tool("readonly", title="Show tmux options", idempotent=True)
async def show_option(
    scope: Scope = "session",
    target: Annotated[Target | None, Field(description="Default: the global value. pane needs one.")] = None,
    name: Annotated[str | None, Field(pattern=OPTION_NAME, description="Default: all of the scope.")] = None,
) -> OptionList:
    """Show options of a scope (hooks too, e.g. after-new-window): global, or a target's own."""
    if scope == "pane" and target is None:
        raise BridgeError("pane options need a target pane")
    options = await tmux.show_options(scope, target, name)
    return OptionList(options=[OptionValue(name=key, value=value) for key, value in options])


ON_OFF = re.compile(r"on|off")
# The options set_option may change, their scope and their values: the comfort of the person
# watching (mouse, status line, sizes, activity alerts); nothing that runs commands or types keys.
SETTABLE: dict[str, tuple[Scope, re.Pattern[str]]] = {
    "mouse": ("session", ON_OFF),
    "status": ("session", ON_OFF),
    "status-position": ("session", re.compile(r"top|bottom")),
    "history-limit": ("session", re.compile(r"\d{1,6}")),
    "automatic-rename": ("window", ON_OFF),
    "allow-rename": ("window", ON_OFF),
    "aggressive-resize": ("window", ON_OFF),
    "monitor-activity": ("window", ON_OFF),
    "monitor-silence": ("window", re.compile(r"\d{1,5}")),
    "window-size": ("window", re.compile(r"largest|smallest|manual|latest")),
    "pane-border-status": ("window", re.compile(r"off|top|bottom")),
    "mode-keys": ("window", re.compile(r"vi|emacs")),
    "remain-on-exit": ("window", re.compile(r"on|off|failed")),
}


@hub_tool("mutating", title="Set a tmux option", idempotent=True)
async def set_option(
    name: Literal[tuple(SETTABLE)],  # type: ignore[valid-type]
    value: Annotated[
        str | None, Field(max_length=8, description="Default: unset (back to inherited).")
    ] = None,
    target: Annotated[Target | None, Field(description="Default: the global value.")] = None,
) -> Changed:
    """Set one of a few safe options (mouse, status, sizes, activity alerts...), globally or for a target."""
    scope, allowed = SETTABLE[name]
    if value is not None and not allowed.fullmatch(value):
        raise BridgeError(
            f"{value!r} is not a value of {name}: it takes {allowed.pattern.replace('|', ', ')}"
        )
    await tmux.set_option(scope, target, name, value)
    return Changed(detail=f"{name} is {value if value is not None else 'unset'} for {target or 'all'}")
