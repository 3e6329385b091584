"""Tools for persistent SSH sessions, each living in a tmux window of the hub (see `bridge.ssh`)."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Literal

from mcp.types import CallToolResult
from pydantic import Field

from bridge import ssh
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import (
    MAX_COMMAND,
    Lines,
    RemotePath,
    SshClosed,
    SshCommandResult,
    SshFileRead,
    SshFileWritten,
    SshHost,
    SshPort,
    SshSession,
    SshSessionId,
    SshSessionList,
    SshSnapshot,
    SshUser,
)

Encoding = Annotated[
    Literal["text", "base64"],
    Field(description="'text' for UTF-8 text, 'base64' for any bytes (binary files)."),
]


@hub_tool("mutating", title="Open an SSH session", open_world=True)
async def ssh_open(host: SshHost, username: SshUser | None = None, port: SshPort | None = None) -> SshSession:
    """Open a persistent SSH connection in a tmux window of the hub (session tmuxhub-ssh); keys and
    aliases come from the hub's ssh config, never a password prompt. Returns the id for ssh_* tools."""
    return await ssh.open_session(host, username, port)


@hub_tool("readonly", title="List SSH sessions", idempotent=True, open_world=True)
async def ssh_list() -> SshSessionList:
    """List the open SSH sessions (a closed connection's window goes away) and whether a command runs."""
    return SshSessionList(sessions=await ssh.list_sessions())


@hub_tool("destructive", title="Close an SSH session", open_world=True)
async def ssh_close(
    id: SshSessionId,
    force: Annotated[bool, Field(description="Close even while a command seems to be running.")] = False,
) -> SshClosed:
    """Close an SSH session and whatever runs in it; refuses while a command runs, unless force."""
    return await ssh.close_session(id, force)


@hub_tool("mutating", title="Run a command over SSH", open_world=True)
async def ssh_send_command(
    id: SshSessionId,
    command: Annotated[str, Field(min_length=1, max_length=MAX_COMMAND, description="A shell command line.")],
    timeout: Annotated[
        float, Field(ge=0.1, le=3600, description="Seconds to wait for it to finish (capped by the hub).")
    ] = 30,
) -> Annotated[CallToolResult, SshCommandResult]:
    """Run a shell command at the SSH session's prompt (not in vim, a REPL...) and return its output
    and exit status; the shell keeps cd and variables. Still running at the timeout: see `detail`."""
    return terminal_result(await ssh.send_command(id, command, timeout), "output")


@hub_tool("readonly", title="Show an SSH session's screen", idempotent=True, open_world=True)
async def ssh_snapshot(id: SshSessionId, lines: Lines = 40) -> Annotated[CallToolResult, SshSnapshot]:
    """The last lines of the SSH session's terminal (what a person attached to it sees), ANSI stripped."""
    return terminal_result(await ssh.snapshot(id, lines), "text")


@hub_tool("readonly", title="Read a remote file over SSH", idempotent=True, open_world=True)
async def ssh_read_file(id: SshSessionId, path: RemotePath, encoding: Encoding = "text") -> SshFileRead:
    """Read a remote file exactly (checked by sha256), up to the hub's size limit."""
    return await ssh.read_file(id, path, as_base64=encoding == "base64")


@hub_tool("mutating", title="Write a remote file over SSH", open_world=True)
async def ssh_write_file(
    id: SshSessionId,
    path: RemotePath,
    content: Annotated[str, Field(description="The file's content, as text or base64 (see encoding).")],
    encoding: Encoding = "text",
    append: Annotated[bool, Field(description="Add to the end of the file instead of replacing it.")] = False,
) -> SshFileWritten:
    """Write a remote file exactly (sha256-checked there, replaced atomically), up to the hub's limit."""
    if encoding == "base64":
        try:
            data = base64.b64decode(content, validate=True)
        except binascii.Error as exc:
            raise BridgeError(
                f"content is not valid base64 ({exc}); or send text with encoding='text'"
            ) from exc
    else:
        data = content.encode()
    return await ssh.write_file(id, path, data, append)
