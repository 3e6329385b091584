from typing import Any

import pytest

from tests.support.hub import call, call_error, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

READONLY = {
    "tmux_list_sessions", "list_windows", "list_panes", "capture_pane", "tmux_get_summary",
    "capture_since", "search_panes", "wait_for_text", "wait_for_idle", "show_environment", "agent_state",
    "call_read_tools_batch", "snapshot_pane", "get_info", "show_option", "wait_for_channel", "read_pipe",
}  # fmt: skip
MUTATING = {
    "tmux_send_prompt", "send_keys", "run_command", "create_session", "create_window", "split_window",
    "rename_session", "rename_window", "select_layout", "resize_pane", "answer_dialog", "ask",
    "select_pane", "swap_pane", "move_window", "resize_window", "set_pane_title", "copy_mode", "set_option",
    "set_environment", "signal_channel", "pipe_pane", "send_keys_batch",
}  # fmt: skip
DESTRUCTIVE = {"kill_session", "kill_window", "kill_pane", "respawn_pane"}


async def tool_names(hub, token) -> dict[str, Any]:
    async with mcp_session(hub, token) as session:
        return {tool.name: tool for tool in (await session.list_tools()).tools}


async def test_the_default_tier_offers_everything_but_kill(hub, mcp_token):
    tools = await tool_names(hub, mcp_token)

    assert set(tools) >= READONLY | MUTATING
    assert not DESTRUCTIVE & set(tools)


async def test_a_destructive_server_offers_kill_tools_with_the_right_annotations(
    destructive_hub, destructive_token
):
    tools = await tool_names(destructive_hub, destructive_token)

    assert set(tools) >= DESTRUCTIVE
    kill = tools["kill_pane"].annotations
    read = tools["capture_pane"].annotations
    send = tools["send_keys"].annotations
    assert kill.destructive_hint and not kill.read_only_hint
    assert read.read_only_hint and read.idempotent_hint and not read.destructive_hint
    assert not send.read_only_hint and not send.destructive_hint
    assert tools["capture_pane"].input_schema["properties"]["lines"]["maximum"] == 2000
    assert tools["capture_pane"].output_schema["properties"]["text"]


@pytest.fixture
def readonly_user_token(make_user, make_token, destructive_hub):
    return make_token(make_user("viewer", tier="readonly"), resource=destructive_hub.mcp_url)


async def test_a_users_tier_caps_the_server_tier(destructive_hub, readonly_user_token, make_pane):
    pane = make_pane("sleep 600")
    tools = await tool_names(destructive_hub, readonly_user_token)

    async with mcp_session(destructive_hub, readonly_user_token) as session:
        refused = await call_error(session, "send_keys", {"pane": pane.pane_id, "keys": ["C-c"]})
        killed = await call_error(session, "kill_pane", {"pane": pane.pane_id})
        allowed = await call(session, "capture_pane", pane=pane.pane_id)

    assert set(tools) >= READONLY and not (MUTATING | DESTRUCTIVE) & set(tools)
    assert "needs the mutating tier and you are limited to readonly" in refused
    assert "needs the destructive tier" in killed
    assert allowed["pane"] == pane.pane_id


@pytest.fixture
def readonly_hub_token(hub_factory, make_user, make_token):
    readonly = hub_factory(TMUXHUB_SAFETY_TIER="readonly")
    return readonly, make_token(make_user("admin", tier="destructive"), resource=readonly.mcp_url)


async def test_a_readonly_server_caps_even_a_destructive_user(readonly_hub_token):
    readonly, token = readonly_hub_token
    tools = await tool_names(readonly, token)

    async with mcp_session(readonly, token) as session:
        refused = await call_error(session, "create_session", {"name": "x"})

    assert set(tools) >= READONLY and not (MUTATING | DESTRUCTIVE) & set(tools)
    assert "limited to readonly" in refused
