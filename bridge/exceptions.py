"""The one exception type the bridge raises; the MCP server turns it into a tool error (isError)."""

from __future__ import annotations

from mcp.server.mcpserver.exceptions import ToolError


class BridgeError(ToolError):
    """A failure the caller can act on; the message says what to do.

    A `ToolError`, so it reaches the client as an `isError` result with this message, whoever raises
    it (bridge tools, abuse tools).
    """
