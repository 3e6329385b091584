"""The one exception type the bridge raises; tools turn it into an MCP tool error (isError)."""


class BridgeError(Exception):
    """A failure the caller can act on; the message says what to do."""
