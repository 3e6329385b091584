"""The hub's entrance to MCP (bridge/endpoint.py, bridge/server.py), through real HTTP with real tokens of
two tiers and both protocol generations: how an answer is framed, what the hub does not offer, what
the audit log sees beyond tool calls, and arguments no tool takes."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from typing import Any

import httpx
import pytest

from bridge.models import ToolCall
from tests.support.hub import Hub, mcp_client, mcp_session
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

# The older generation: a handshake-less stateless POST naming its version; the newer: no handshake at all.
LEGACY, MODERN = "2025-06-18", "2026-07-28"
TIERS = ("readonly", "destructive")
_ids = itertools.count(1)


@pytest.fixture(params=TIERS)
def caller(request, make_user, make_token) -> tuple[str, str]:
    """(username, token) of a user capped at each tier in turn."""
    name = f"entrance-{request.param}"
    return name, make_token(make_user(name, tier=request.param))


def request(
    hub: Hub, token: str, version: str, method: str, params: dict[str, Any], raw: str = ""
) -> dict[str, Any]:
    """httpx arguments of one JSON-RPC request to `/mcp`, as a client of protocol `version` sends it;
    `raw` JSON text replaces the string "RAW" in the body (for what the client's own encoder refuses)."""
    routing = {"Mcp-Method": method}
    if "name" in params:
        routing["Mcp-Name"] = params["name"]
    message = {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}
    if version == MODERN:  # each request carries what the handshake used to tell
        message["params"] = {
            **params,
            "_meta": {
                **params.get("_meta", {}),
                "io.modelcontextprotocol/clientInfo": {"name": "entrance test", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/protocolVersion": MODERN,
            },
        }
    body = json.dumps(message)
    return {
        "url": hub.mcp_url,
        "content": body.replace('"RAW"', raw) if raw else body,
        "headers": {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": version,
            **(routing if version == MODERN else {}),
        },
        "timeout": 20,
    }


def post(*args: Any) -> httpx.Response:
    return httpx.post(**request(*args))


def search(pattern: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": "search_panes", "arguments": {"pattern": pattern}}
    if meta:
        params["_meta"] = meta
    return params


@pytest.mark.parametrize("version", [LEGACY, MODERN])
def test_a_call_that_mentions_progress_tokens_is_answered_with_json(hub, caller, version, shell_pane):
    # The word as a value, and unescaped as a key of the arguments: neither asks for progress.
    _, token = caller
    batch = [{"tool": "search_panes", "arguments": {"pattern": '"progressToken"', "progressToken": 1}}]

    response = post(
        hub, token, version, "tools/call", {"name": "call_read_tools_batch", "arguments": {"calls": batch}}
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert '"progressToken"' in response.request.content.decode()
    assert "result" in response.json()


def test_a_call_that_asks_for_progress_is_answered_with_a_stream(hub, caller, shell_pane):
    _, token = caller

    response = post(hub, token, LEGACY, "tools/call", search("nothing shows this", {"progressToken": "p1"}))

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert '"result"' in response.text


def test_the_hub_does_not_offer_subscriptions(hub, caller):
    # It publishes no list changes; each listen would hold a stream open for as long as its client liked.
    _, token = caller

    listen = request(
        hub, token, MODERN, "subscriptions/listen", {"notifications": {"toolsListChanged": True}}
    )
    with httpx.stream("POST", **listen) as answer:
        assert answer.headers["content-type"].startswith("application/json")  # not a stream
        refused = json.loads(answer.read())
    discovered = post(hub, token, MODERN, "server/discover", {}).json()

    assert refused["error"]["code"] == -32601  # method not found
    capabilities = discovered["result"]["capabilities"]
    assert not capabilities.get("tools", {}).get("listChanged")
    assert not capabilities.get("resources", {}).get("subscribe")


@pytest.mark.parametrize("connect", [mcp_session, mcp_client], ids=["handshake", "2026-07-28"])
def test_reading_a_pane_resource_and_getting_a_prompt_are_audited_with_the_caller(
    hub, caller, connect, make_pane
):
    username, token = caller
    pane = make_pane("printf 'resource text\\n'; sleep 600", ready="resource text")

    async def read() -> str:
        async with connect(hub, token) as client:
            contents = await client.read_resource(f"tmux://panes/{pane.pane_id[1:]}")
            await client.get_prompt("interrupt_gracefully", {"pane": pane.pane_id})
            return contents.contents[0].text

    assert "resource text" in asyncio.run(read())
    mine = ToolCall.objects.filter(username=username)
    rows = wait_until(lambda: sorted(mine.values_list("tool", "outcome")) if mine.count() == 2 else [])
    assert rows == [("prompts/get", "ok"), ("resources/read", "ok")]
    assert all(row.user_id is not None and row.client_id for row in mine)


DEEP = 5000


@pytest.mark.parametrize("version", [LEGACY, MODERN])
@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("list_panes", '{"session": ' + '{"a": ' * 40 + '"x"' + "}" * 40 + "}"),
        ("list_panes", '{"session": ' + "[" * 150 + "]" * 150 + "}"),
        # Clients may send an array argument as a JSON string, and every argument as {"params": "<json>"}.
        ("call_read_tools_batch", json.dumps({"calls": "[" * DEEP + "]" * DEEP})),
        ("list_panes", json.dumps({"params": "[" * DEEP + "]" * DEEP})),
    ],
    ids=["object", "array", "string", "params"],
)
def test_deeply_nested_arguments_get_a_clear_error_and_no_traceback(hub, caller, version, tool, arguments):
    username, token = caller
    logged = len(hub.log())

    answer = post(hub, token, version, "tools/call", {"name": tool, "arguments": "RAW"}, arguments).json()

    assert answer["result"]["isError"], answer
    assert re.search("nest more than 32 levels|is not valid JSON|Input should be a valid list", str(answer))
    assert wait_until(lambda: ToolCall.objects.filter(username=username, tool=tool, outcome="error").exists())
    new_log = hub.log()[logged:]
    assert "RecursionError" not in new_log and "Traceback" not in new_log, new_log[-2000:]
