"""Typed inputs and outputs of the tmux tools.

Targets and names are checked here, at the boundary, by strict patterns: nothing that could be read
as a tmux format (`#{...}`, `#(...)`) or an option (`-x`) reaches tmux. Each check's message says what
a valid value looks like, because the model reading it has to fix its call.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}"
NAME_RE = re.compile(rf"^{_NAME}$")
SESSION_RE = re.compile(rf"^(\$\d{{1,6}}|{_NAME})$")
WINDOW_RE = re.compile(rf"^(@\d{{1,6}}|{_NAME}:\d{{1,4}})$")
PANE_RE = re.compile(rf"^(%\d{{1,6}}|{_NAME}:\d{{1,4}}\.\d{{1,4}})$")


def _checker(pattern: re.Pattern[str], what: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"{value[:80]!r} is not {what}")
        return value

    return check


Name = Annotated[
    str,
    Field(
        description="A new name: letters, digits, '_' or '-', at most 64, not starting with '-'.",
        json_schema_extra={"pattern": NAME_RE.pattern},
    ),
    AfterValidator(_checker(NAME_RE, "a valid name: use letters, digits, '_' or '-' (e.g. work-2)")),
]
SessionTarget = Annotated[
    str,
    Field(
        description="A session: its id ('$1') or exact name ('work'), as tmux_list_sessions shows.",
        json_schema_extra={"pattern": SESSION_RE.pattern},
    ),
    AfterValidator(
        _checker(SESSION_RE, "a session: give its id like '$1' or its exact name (see tmux_list_sessions)")
    ),
]
WindowTarget = Annotated[
    str,
    Field(
        description="A window: its id ('@2') or 'session:index' ('work:0'), as list_windows shows.",
        json_schema_extra={"pattern": WINDOW_RE.pattern},
    ),
    AfterValidator(
        _checker(
            WINDOW_RE, "a window: give its id like '@2' or 'session:index' like 'work:0' (see list_windows)"
        )
    ),
]
PaneTarget = Annotated[
    str,
    Field(
        description="A pane: its id ('%3') or 'session:window.pane' ('work:0.1'), as list_panes shows.",
        json_schema_extra={"pattern": PANE_RE.pattern},
    ),
    AfterValidator(
        _checker(
            PANE_RE, "a pane: give its id like '%3' or 'session:window.pane' like 'work:0.1' (see list_panes)"
        )
    ),
]
StartDirectory = Annotated[
    str,
    Field(
        min_length=1,
        max_length=1024,
        pattern=r"^/[^#\x00-\x1f]*$",
        description="Absolute directory the new shell starts in (no '#', which tmux would expand).",
    ),
]
ShellCommand = Annotated[
    str,
    Field(
        min_length=1,
        max_length=4096,
        description="Command the new pane runs instead of your shell (run by tmux through /bin/sh).",
    ),
]
Lines = Annotated[int, Field(ge=1, le=2000, description="How many lines, counted from the bottom.")]
Seconds = Annotated[float, Field(ge=0.1, le=600, description="Upper bound on the wait, in seconds.")]


class SessionInfo(BaseModel):
    id: str = Field(description="Session id, e.g. '$1'.")
    name: str
    windows: int
    attached: bool = Field(description="Whether a terminal is attached to it.")
    created: int = Field(description="Unix time it was created.")
    activity: int = Field(description="Unix time of its last activity.")


class WindowInfo(BaseModel):
    id: str = Field(description="Window id, e.g. '@2'.")
    session: str
    session_id: str
    index: int
    name: str
    active: bool
    panes: int
    layout: str
    zoomed: bool
    target: str = Field(description="'session:index', usable as a window target.")


class PaneInfo(BaseModel):
    id: str = Field(description="Pane id, e.g. '%3'; the most reliable target.")
    session: str
    session_id: str
    window_id: str
    window_index: int
    window_name: str
    index: int
    active: bool
    current_command: str = Field(description="Program in the foreground of the pane.")
    current_path: str
    pid: int
    width: int
    height: int
    title: str
    dead: bool
    full_screen: bool = Field(description="True when a full-screen program (alternate screen) is shown.")
    target: str = Field(description="'session:window.pane'.")


class SessionList(BaseModel):
    sessions: list[SessionInfo]


class WindowList(BaseModel):
    windows: list[WindowInfo]


class PaneList(BaseModel):
    panes: list[PaneInfo]


class Capture(BaseModel):
    pane: str = Field(description="The pane the lines come from (capture_since: its id).")
    lines: list[str] = Field(description="The lines, oldest first, trailing blank lines dropped.")
    text: str = Field(description="The same lines joined with newlines.")
    truncated: bool = Field(description="True when the byte cap cut older lines off.")


class CaptureSince(Capture):
    first_read: bool = Field(
        description="True when you had no earlier read of this pane: lines are its tail."
    )
    missed: bool = Field(
        description="True when more new output arrived than one read covers: older new lines were lost."
    )


class SearchMatch(BaseModel):
    pane: str
    target: str
    line_number: int = Field(description="1-based line within the searched tail of the pane.")
    line: str


class SearchResult(BaseModel):
    matches: list[SearchMatch]
    panes_searched: int
    limited: bool = Field(description="True when max_matches stopped the search early.")


class PromptResult(BaseModel):
    pane: str
    submitted: bool = Field(description="Whether Enter was sent.")
    verified: bool = Field(
        description="Whether the text was seen leaving the input line after Enter (the program took it)."
    )
    attempts: int = Field(description="How many times Enter was sent.")
    detail: str


class KeysResult(BaseModel):
    pane: str
    keys: list[str]


class WaitResult(BaseModel):
    pane: str
    found: bool
    timed_out: bool
    elapsed: float
    matched_lines: list[str] = Field(default_factory=list)


class IdleResult(BaseModel):
    pane: str
    idle: bool = Field(description="True when the screen stayed unchanged for the requested quiet time.")
    timed_out: bool
    elapsed: float
    tail: list[str] = Field(description="The last lines of the pane when the wait ended.")


class CommandResult(BaseModel):
    pane: str
    completed: bool
    exit_status: int | None
    output: str
    timed_out: bool
    truncated: bool


class Changed(BaseModel):
    ok: bool = True
    detail: str


class EnvironmentVariable(BaseModel):
    name: str
    value: str | None = Field(description="None when the variable is marked as removed in tmux.")
    redacted: bool


class EnvironmentResult(BaseModel):
    scope: str
    variables: list[EnvironmentVariable]
