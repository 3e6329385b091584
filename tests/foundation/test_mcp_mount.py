import httpx
import pytest

from tests.support.hub import mcp_session, structured

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_mcp_answers_a_tool_call_with_a_valid_token(hub, tmux, mcp_token):
    tmux.new_session(session_name="work")

    async with mcp_session(hub, mcp_token) as session:
        result = await session.call_tool("tmux_list_sessions", {})

    assert not result.is_error
    assert structured(result)


async def test_mcp_without_a_token_is_401_with_resource_metadata(hub):
    async with httpx.AsyncClient() as client:
        response = await client.post(
            hub.mcp_url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json, text/event-stream"},
        )

    assert response.status_code == 401
    assert "resource_metadata=" in response.headers["www-authenticate"]


@pytest.fixture
def foreign_token(make_user, make_token):
    return make_token(make_user(), resource="https://elsewhere.example/mcp")


async def test_mcp_rejects_a_token_minted_for_another_resource(hub, foreign_token):
    async with httpx.AsyncClient() as client:
        response = await client.post(
            hub.mcp_url + "/",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "Accept": "application/json, text/event-stream",
                "Authorization": f"Bearer {foreign_token}",
            },
        )

    assert response.status_code == 401
