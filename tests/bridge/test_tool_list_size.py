"""tools/list is sent in every conversation: it stays under half of libtmux-mcp's (148 KB for 48 tools,
measured the same way: the JSON of the tools/list result, `json.dumps` defaults) at every tier."""

import json

import pytest

from tests.support.hub import mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

LIBTMUX_MCP_BYTES = 148_000


@pytest.fixture(params=["readonly", "mutating", "destructive"])
def tier_token(request, destructive_hub, make_user, make_token) -> tuple[str, str]:
    user = make_user(f"lister-{request.param}", tier=request.param)
    return request.param, make_token(user, resource=destructive_hub.mcp_url)


async def test_the_tool_list_stays_under_half_of_libtmux_mcps(destructive_hub, tier_token):
    tier, token = tier_token

    async with mcp_session(destructive_hub, token) as session:
        tools = (await session.list_tools()).tools
    listed = {"tools": [tool.model_dump(by_alias=True, exclude_none=True, mode="json") for tool in tools]}
    size = len(json.dumps(listed).encode())

    print(f"\n{tier}: {len(tools)} tools, {size:,} bytes, ~{size // 4:,} tokens")
    assert size < LIBTMUX_MCP_BYTES / 2
    assert not any('"title": "' in json.dumps(tool.input_schema) for tool in tools)  # pydantic's noise
