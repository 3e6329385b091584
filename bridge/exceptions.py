"""The bridge's exceptions: `BridgeError` and the two tmux-server states callers tell apart.

`BridgeError` is a `ToolError`, so whoever raises it (bridge tools, abuse tools) the MCP SDK turns it
into an `isError` result with its message; `bridge.server.HubServer` only strips the SDK's prefix.
"""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError


class BridgeError(ToolError):
    """A failure the caller can act on; the message says what to do."""


class NoServer(BridgeError):
    """No tmux server answers on the hub's socket."""


class ServerExiting(NoServer):
    """The server was exiting when the command reached it; the command did not run."""
