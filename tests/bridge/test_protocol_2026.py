"""The 2026-07-28 protocol, which the SDK's `Client` picks by default: no handshake, every request a
POST of its own. The hub must judge it exactly as the handshake sessions: the caller's tier, the
argument checks, the audit row (`ask`'s progress notifications: tests/bridge/test_claude_code.py)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from bridge.models import ToolCall
from tests.support.hub import call, call_error, mcp_client
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)
anyio = pytest.mark.anyio


@pytest.fixture
def viewer_token(make_user, make_token) -> str:
    return make_token(make_user("viewer", tier="readonly"))


@anyio
async def test_the_default_client_speaks_2026_07_28_and_reads_a_pane(hub, mcp_token, make_pane):
    pane = make_pane("printf 'ready on the new protocol\\n'; sleep 600")
    wait_until(lambda: "ready on the new protocol" in "\n".join(pane.capture_pane()))

    async with mcp_client(hub, mcp_token) as client:
        out = await call(client, "capture_pane", pane=pane.pane_id, lines=5)

        assert client.session.protocol_version == "2026-07-28"
    assert "ready on the new protocol" in out["text"].splitlines()


@anyio
async def test_a_readonly_caller_sees_and_calls_only_readonly_tools(hub, viewer_token, make_pane):
    pane = make_pane("sleep 600")

    async with mcp_client(hub, viewer_token) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        refused = await call_error(client, "send_keys", {"pane": pane.pane_id, "keys": ["Enter"]})

    assert "capture_pane" in names and "send_keys" not in names
    assert "needs the" in refused and "readonly" in refused


@anyio
async def test_bad_arguments_get_the_same_explanation(hub, mcp_token):
    async with mcp_client(hub, mcp_token) as client:
        error = await call_error(client, "capture_pane", {"pane": "%0", "lines": 999999})

    assert "invalid arguments for capture_pane: lines:" in error and "call again" in error


def test_each_call_is_audited_with_its_caller(hub, make_user, make_token, make_pane):
    pane = make_pane("sleep 600")
    user = make_user("auditor")
    token = make_token(user)

    async def read() -> None:
        async with mcp_client(hub, token) as client:
            await call(client, "capture_pane", pane=pane.pane_id, lines=1)

    asyncio.run(read())

    row = wait_until(lambda: ToolCall.objects.filter(tool="capture_pane", user=user).first(), timeout=10)
    assert row.outcome == ToolCall.OK and row.username == "auditor"


def test_a_call_without_a_token_is_refused_with_the_way_to_log_in(hub):
    response = httpx.post(
        hub.mcp_url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "capture_pane"}},
        headers={
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2026-07-28",
            "Mcp-Method": "tools/call",
            "Mcp-Name": "capture_pane",
        },
        timeout=10,
    )

    assert response.status_code == 401
    assert "/.well-known/oauth-protected-resource" in response.headers["www-authenticate"]
