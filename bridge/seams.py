"""Where the hub reaches past the MCP SDK's public API: one function per seam, each with a test
(tests/bridge/test_sdk_seams.py) that fails when an SDK upgrade moves what it relies on.

Everything else of the transport is built from public parts (`bridge.endpoint`).
"""

from __future__ import annotations

from mcp.server._otel import OpenTelemetryMiddleware
from mcp.server.mcpserver import MCPServer


def drop_telemetry(server: MCPServer) -> None:
    """Take the SDK's OpenTelemetry span off every message. The SDK documents dropping it from
    `server.middleware` as the opt-out, but the class lives in a private module. No exporter is
    installed, so the span was pure cost: 7 % of the calls a worker answers a second."""
    server.middleware[:] = [m for m in server.middleware if not isinstance(m, OpenTelemetryMiddleware)]
