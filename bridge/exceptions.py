"""The bridge's exceptions: `BridgeError`, the two tmux-server states callers tell apart, and what
control mode cannot carry.

They know nothing of MCP, so the tmux service layer and the admin do not depend on the SDK:
`bridge.server.HubServer.call_tool` is the one place a `BridgeError` becomes a tool error (an
`isError` result with its message).
"""

from __future__ import annotations


class BridgeError(Exception):
    """A failure the caller can act on; the message says what to do."""


class NoServer(BridgeError):
    """No tmux server answers on the hub's socket."""


class ServerExiting(NoServer):
    """The server was exiting when the command reached it; the command did not run."""
