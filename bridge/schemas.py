"""Typed inputs and outputs of the tmux and SSH tools.

Targets, names, SSH hosts, users and paths are checked here, at the boundary, by strict patterns
matched in full: nothing that could be read as a tmux format (`#{...}`, `#(...)`), an option (`-x`)
or a second line reaches tmux or ssh. Each check's message says what a valid value looks like,
because the model reading it has to fix its call.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,63}"
NAME_RE = re.compile(rf"^{_NAME}$")
SESSION_RE = re.compile(rf"^(\$\d{{1,6}}|{_NAME})$")
WINDOW_RE = re.compile(rf"^(@\d{{1,6}}|{_NAME}:\d{{1,4}})$")
PANE_RE = re.compile(rf"^(%\d{{1,6}}|{_NAME}:\d{{1,4}}\.\d{{1,4}})$")


def checker(pattern: re.Pattern[str], what: str) -> Callable[[str], str]:
    """A pydantic AfterValidator: the whole value must match `pattern` ("'x' is not {what}" if not)."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not {what}")
        return value

    return check


Name = Annotated[
    str,
    Field(
        description="A new name: letters, digits, '_' or '-', at most 64, not starting with '-'.",
        json_schema_extra={"pattern": NAME_RE.pattern},
    ),
    AfterValidator(checker(NAME_RE, "a valid name: use letters, digits, '_' or '-' (e.g. work-2)")),
]
SessionTarget = Annotated[
    str,
    Field(
        description="Session id ('$1') or exact name ('work').",
        json_schema_extra={"pattern": SESSION_RE.pattern},
    ),
    AfterValidator(
        checker(SESSION_RE, "a session: give its id like '$1' or its exact name (see tmux_list_sessions)")
    ),
]
WindowTarget = Annotated[
    str,
    Field(
        description="Window id ('@2') or 'session:index' ('work:0').",
        json_schema_extra={"pattern": WINDOW_RE.pattern},
    ),
    AfterValidator(
        checker(
            WINDOW_RE, "a window: give its id like '@2' or 'session:index' like 'work:0' (see list_windows)"
        )
    ),
]
PaneTarget = Annotated[
    str,
    Field(
        description="Pane id ('%3') or 'session:window.pane' ('work:0.1').",
        json_schema_extra={"pattern": PANE_RE.pattern},
    ),
    AfterValidator(
        checker(
            PANE_RE, "a pane: give its id like '%3' or 'session:window.pane' like 'work:0.1' (see list_panes)"
        )
    ),
]
TARGET_RE = re.compile("^(" + "|".join(p.pattern[1:-1] for p in (SESSION_RE, WINDOW_RE, PANE_RE)) + ")$")
Target = Annotated[
    str,
    Field(
        description="A pane, window or session: '%3', 'work:0.1', '@2', 'work:0', '$1', 'work'.",
        json_schema_extra={"pattern": TARGET_RE.pattern},
    ),
    AfterValidator(checker(TARGET_RE, "a pane, window or session: e.g. '%3', '@2', 'work:0', '$1', 'work'")),
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
    text: str = Field(description="The lines, oldest first, one per line; trailing blank lines dropped.")
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
        description="Whether the program took it: Claude Code shows it as a turn; others emptied the line."
    )
    attempts: int = Field(description="How many times Enter was sent.")
    queued: bool = Field(default=False, description="Claude Code was busy: the prompt waits its turn.")
    detail: str


class DialogOption(BaseModel):
    number: int = Field(description="Its number on screen, or its place when the options are unnumbered.")
    label: str
    selected: bool = False
    arrows: bool = Field(
        default=False, description="Unnumbered: picked by moving the selection (answer_dialog does it)."
    )


# "unknown": Claude Code runs in the pane (its process says so) but its screen is none tmuxhub reads.
State = Literal["idle", "draft", "working", "dialog", "menu", "unknown", "not_claude_code"]


class Dialog(BaseModel):
    """A dialog (numbered options) or menu Claude Code shows."""

    title: str | None = None
    question: str | None = None
    options: list[DialogOption] = Field(default_factory=list)
    permission: bool = Field(default=False, description="A permission prompt: answer with answer_dialog.")
    details: list[str] = Field(default_factory=list)


class AgentScreen(BaseModel):
    """What Claude Code's TUI shows in a pane (see `bridge.claude_code`)."""

    pane: str = ""
    state: State
    working: bool = False
    status: str | None = Field(default=None, description="The spinner's text while working.")
    draft: str | None = Field(default=None, description="Unsent text in the input box.")
    queued: list[str] = Field(default_factory=list)
    dialog: Dialog | None = None
    version: str | None = Field(default=None, description="The Claude Code release running (its process).")
    newer_than_tested: bool = Field(
        default=False, description="A release newer than tmuxhub was tested with: its screen may misread."
    )

    @property
    def claude_code(self) -> bool:
        return self.state != "not_claude_code"


class AnswerResult(BaseModel):
    pane: str
    chosen: DialogOption
    closed: bool = Field(description="Whether the dialog was seen closing.")
    detail: str


class Permission(BaseModel):
    """The tool call a permission dialog is about, as Claude Code's PermissionRequest hook named it."""

    tool: str | None = None
    input: str | None = Field(
        default=None, description="The tool's input, as JSON (cut at 4,000 characters)."
    )


class AskResult(BaseModel):
    pane: str
    outcome: Literal["replied", "dialog", "timed_out"]
    reply: str = Field(description="Claude's reply to the prompt (so far, at a dialog).")
    source: Literal["hooks", "screen"] = Field(
        default="screen",
        description="hooks: the reply and the turn's end came from Claude Code's hooks and transcript "
        "(tmuxhub claude-code hooks install); screen: read from the pane.",
    )
    truncated: bool = False
    dialog: Dialog | None = Field(default=None, description="The dialog that stopped it, if any.")
    permission: Permission | None = Field(default=None, description="The tool a permission dialog is for.")
    elapsed: float
    detail: str
    version: str | None = Field(default=None, description="The Claude Code release that answered.")
    newer_than_tested: bool = False


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
    tail: str = Field(description="The last lines of the pane when the wait ended.")


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


class PaneSnapshot(BaseModel):
    pane: str = Field(description="Pane id.")
    text: str = Field(description="The visible screen, top row first, trailing blank rows dropped.")
    cursor_x: int
    cursor_y: int = Field(description="Cursor row, 0 = the first line of `text`.")
    mode: str = Field(description="'' or the mode the pane is in, e.g. 'copy-mode' (it takes no input then).")
    full_screen: bool = Field(description="A full-screen program (alternate screen) is shown.")
    width: int
    height: int
    title: str
    current_command: str
    current_path: str
    dead: bool = Field(description="The program exited (the pane is kept by remain-on-exit).")
    history_size: int = Field(description="Lines of scrollback above the screen.")


class FormatValues(BaseModel):
    values: dict[str, str]


class OptionValue(BaseModel):
    name: str
    value: str


class OptionList(BaseModel):
    options: list[OptionValue]


class ChannelResult(BaseModel):
    channel: str
    signalled: bool
    elapsed: float


class PipeState(BaseModel):
    pane: str
    piping: bool = Field(description="Whether the pane's output is being written to its log now.")
    size: int = Field(description="Bytes in the log; it stops growing at max_bytes.")
    max_bytes: int


class PipeRead(PipeState):
    text: str = Field(description="Lines written since `offset`, escape sequences removed.")
    next_offset: int = Field(description="Pass as offset next time to read on from here.")
    more: bool = Field(description="More is written already than one read returns: read again.")


class BatchItem(BaseModel):
    tool: str
    result: dict[str, Any] | None = Field(description="The tool's result; None when it failed.")
    error: str | None = Field(description="Why it failed, what to fix.")


class BatchResult(BaseModel):
    results: list[BatchItem] = Field(description="One per call, in the order given.")


class KeysBatchResult(BaseModel):
    sent: list[KeysResult]


# --- SSH sessions (bridge/ssh/) ---------------------------------------------------------------------

SSH_ID_RE = re.compile(r"[0-9a-f]{8}")
# Host names and ssh-config aliases: no leading '-' (it would be read as an option), and none of the
# characters ssh would substitute into a ProxyCommand or `Match exec` shell line.
HOST_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}")
SCOPE_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")
USER_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}")
MAX_PATH = 4096
MAX_COMMAND = 64 * 1024


def check_ssh_id(session_id: str) -> str:
    if not SSH_ID_RE.fullmatch(session_id):
        raise ValueError(f"{session_id[:40]!r} is not an SSH session id (8 hex digits); see ssh_list")
    return session_id


def check_host(host: str) -> str:
    """A host name, IPv4/IPv6 address (brackets taken off) or ssh-config alias; anything else is refused."""
    candidate = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    address, _, scope = candidate.partition("%")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        if HOST_RE.fullmatch(host):
            return host
    else:
        if not scope or SCOPE_RE.fullmatch(scope):
            return candidate
    raise ValueError(
        f"{host[:80]!r} is not a host: give a host name, an IPv4/IPv6 address or an ssh-config alias "
        "(letters, digits, '.', '_', '-'; not starting with '-'); put the user in `username`"
    )


check_user = checker(
    USER_RE, "a user name: letters, digits, '_', '.', '-', at most 32, starting with a letter or '_'"
)


def check_path(path: str) -> str:
    if not path or len(path) > MAX_PATH or any(ord(c) < 32 or c == "\x7f" for c in path):
        raise ValueError(
            f"{path[:80]!r} is not a usable path: 1 to {MAX_PATH} characters, no control characters"
        )
    return path


SshSessionId = Annotated[
    str, Field(description="The id ssh_open returned (see ssh_list)."), AfterValidator(check_ssh_id)
]
SshHost = Annotated[
    str,
    Field(max_length=255, description="Host name, IPv4/IPv6 address or an alias from the hub's ssh config."),
    AfterValidator(check_host),
]
SshUser = Annotated[
    str, Field(description="Remote user; default: the ssh config's."), AfterValidator(check_user)
]
SshPort = Annotated[int, Field(ge=1, le=65535, description="Default: the ssh config's, or 22.")]
RemotePath = Annotated[
    str,
    Field(max_length=MAX_PATH, description="Remote path, absolute or relative to the login directory."),
    AfterValidator(check_path),
]


class SshSession(BaseModel):
    id: str = Field(description="Session id for the other ssh_* tools.")
    host: str = Field(description="The host as given (name, address or ssh-config alias).")
    hostname: str = Field(description="Where ssh connects, after ssh-config resolution (`ssh -G`).")
    user: str
    port: int
    window_id: str = Field(description="The tmux window, e.g. '@4'.")
    pane_id: str = Field(description="The tmux pane, e.g. '%7': send_keys and capture_pane accept it.")
    opened: int = Field(description="Unix time it was opened.")
    busy: bool = Field(
        description="True while a command sent by ssh_send_command has not been seen to finish."
    )


class SshSessionList(BaseModel):
    sessions: list[SshSession]


class SshCommandResult(BaseModel):
    id: str
    completed: bool = Field(description="False when the timeout passed first: the command may still run.")
    exit_status: int | None = Field(description="The command's exit status, when completed.")
    output: str = Field(description="What the command printed (as the terminal shows it, ANSI stripped).")
    truncated: bool = Field(description="True when older output was cut (byte cap or tmux history).")
    elapsed: float
    detail: str = Field(default="", description="What to do next when the command has not completed.")


class SshSnapshot(BaseModel):
    id: str
    text: str


class SshFileRead(BaseModel):
    id: str
    path: str
    size: int
    sha256: str
    encoding: str = Field(description="'text' (UTF-8) or 'base64'.")
    content: str


class SshFileWritten(BaseModel):
    id: str
    path: str
    size: int = Field(description="Bytes written (appended, with append=true).")
    sha256: str = Field(description="sha256 of the bytes written, checked on the remote side.")
    appended: bool


class SshClosed(BaseModel):
    id: str
    closed: bool
    warning: str = ""


class PaneScreen(BaseModel):
    """What the terminal view (`bridge.app_view`) shows of a pane: its colours as escaped HTML."""

    pane: str
    closed: bool = Field(description="The pane is gone; `message` says so in words.")
    message: str = ""
    html: str = Field(default="", description="The pane's last lines, escaped, colours as <span> classes.")
    one_screen: bool = Field(default=False, description="A full-screen program: show it from its top.")
    agent: AgentScreen | None = Field(default=None, description="What Claude Code shows, if it runs there.")
    can_answer: bool = Field(default=False, description="The caller's tier allows answer_dialog.")
    can_prompt: bool = Field(default=False, description="The caller's tier allows tmux_send_prompt.")
    digest: str = Field(default="", description="Changes whenever anything above does: pass as `since`.")
