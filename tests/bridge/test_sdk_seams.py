"""The hub's seams into the MCP SDK (bridge/seams.py), one test each: an SDK upgrade that moves what a
seam relies on fails here, not in production."""

from __future__ import annotations

from mcp.server._otel import OpenTelemetryMiddleware

from bridge.server import build_server


def test_no_opentelemetry_span_wraps_each_message() -> None:
    # No exporter is installed, so the SDK's span was pure cost: 7 % of the calls a worker answers a second.
    # The class is found where the seam imports it, and the SDK still puts one on a new server.
    from mcp.server.mcpserver import MCPServer

    assert any(isinstance(m, OpenTelemetryMiddleware) for m in MCPServer(name="plain").middleware)
    chain = build_server().middleware

    assert not any(isinstance(m, OpenTelemetryMiddleware) for m in chain)
    assert chain, "the SDK's own request-state boundary must stay"
