"""Opening, listing and closing SSH sessions through MCP, against a real sshd on loopback."""

import asyncio
import os

import pytest

from tests.support.hub import mcp_session, start_hub, structured

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_it_opens_a_session_through_an_ssh_config_alias(ssh_hub, ssh_token, sshd, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        opened = structured(await mcp.call_tool("ssh_open", {"host": "testbox"}))
        listed = structured(await mcp.call_tool("ssh_list", {}))

    assert opened["hostname"] == "127.0.0.1"
    assert opened["port"] == sshd.port
    assert opened["user"] == sshd.user
    assert [s["id"] for s in listed["sessions"]] == [opened["id"]]
    window = tmux.sessions.get(session_name="tmuxhub-ssh").windows[0]
    assert window.window_name == f"ssh:{opened['id']}"
    assert window.panes[0].pane_current_command == "ssh"


async def test_username_and_port_override_the_ssh_config(ssh_hub, ssh_token, sshd, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        opened = structured(
            await mcp.call_tool("ssh_open", {"host": "127.0.0.1", "username": sshd.user, "port": sshd.port})
        )
        wrong = await mcp.call_tool(
            "ssh_open", {"host": "127.0.0.1", "username": "nobody", "port": sshd.port}
        )

    assert opened["port"] == sshd.port
    assert wrong.is_error
    assert "Permission denied" in wrong.content[0].text
    assert "ssh:" not in [w.window_name for s in tmux.sessions for w in s.windows][1:]


CANARY = "/tmp/tmuxhub-ssh-canary"


INJECTIONS = [
    {"host": "-oProxyCommand=touch /tmp/tmuxhub-ssh-canary"},
    {"host": "-oProxyCommand=touch${IFS}/tmp/tmuxhub-ssh-canary"},
    {"host": "testbox;touch /tmp/tmuxhub-ssh-canary"},
    {"host": "$(touch /tmp/tmuxhub-ssh-canary)"},
    {"host": "#(touch /tmp/tmuxhub-ssh-canary)"},
    {"host": "root@testbox"},
    {"host": "testbox\n-oProxyCommand=x"},
    {"host": "::1%$(touch /tmp/tmuxhub-ssh-canary)"},
    {"host": "testbox", "username": "-oProxyCommand=touch /tmp/tmuxhub-ssh-canary"},
    {"host": "testbox", "username": "root;touch /tmp/tmuxhub-ssh-canary"},
    {"host": "testbox", "username": "#(touch /tmp/tmuxhub-ssh-canary)"},
    {"host": "testbox", "port": 0},
    {"host": "testbox", "port": 65536},
    {"host": "testbox", "port": "22;touch /tmp/tmuxhub-ssh-canary"},
]


async def test_it_refuses_injection_in_host_user_and_port(ssh_hub, ssh_token, tmux):
    if os.path.exists(CANARY):
        os.unlink(CANARY)

    async with mcp_session(ssh_hub, ssh_token) as mcp:
        results = [await mcp.call_tool("ssh_open", arguments) for arguments in INJECTIONS]

    assert [
        arguments for arguments, result in zip(INJECTIONS, results, strict=True) if not result.is_error
    ] == []
    assert not os.path.exists(CANARY)
    assert not tmux.has_session("tmuxhub-ssh")


async def test_it_refuses_a_session_id_that_is_not_one(ssh_hub, ssh_token, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        for bad in ["#{pane_id}", "../../x", "-t%0"]:
            result = await mcp.call_tool("ssh_snapshot", {"id": bad})
            assert result.is_error
        missing = await mcp.call_tool("ssh_snapshot", {"id": "0123abcd"})

    assert "ssh_list" in missing.content[0].text


async def test_an_unreachable_host_is_a_clear_error_and_leaves_no_window(ssh_hub, ssh_token, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        result = await mcp.call_tool("ssh_open", {"host": "nosuchhost.invalid"})

    assert result.is_error
    assert "nosuchhost.invalid" in result.content[0].text
    assert not [w for s in tmux.sessions for w in s.windows if w.window_name.startswith("ssh:")]


@pytest.fixture
def first_hub(sshd, tmux_socket, make_user, make_token):
    """A hub of its own (with a token for it) that a test can stop, as a restart would."""
    with start_hub(tmux_socket=tmux_socket, extra_env={"TMUXHUB_SSH_CONFIG": str(sshd.config)}) as first:
        yield first, make_token(make_user("restarter"), resource=first.mcp_url)


async def test_sessions_survive_a_restart_of_the_hub(first_hub, ssh_hub, ssh_token, tmux):
    first, token = first_hub
    async with mcp_session(first, token) as mcp:
        opened = structured(await mcp.call_tool("ssh_open", {"host": "testbox"}))
        await mcp.call_tool("ssh_send_command", {"id": opened["id"], "command": "cd /tmp; export MARK=kept"})
    first.process.terminate()
    await asyncio.to_thread(first.process.wait, 10)

    async with mcp_session(ssh_hub, ssh_token) as mcp:
        listed = structured(await mcp.call_tool("ssh_list", {}))
        result = structured(
            await mcp.call_tool("ssh_send_command", {"id": opened["id"], "command": 'echo "$PWD $MARK"'})
        )

    assert [s["id"] for s in listed["sessions"]] == [opened["id"]]
    assert result["output"] == "/tmp kept\n"


async def test_close_kills_the_window(ssh_hub, ssh_token, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        opened = structured(await mcp.call_tool("ssh_open", {"host": "testbox"}))
        closed = structured(await mcp.call_tool("ssh_close", {"id": opened["id"]}))
        listed = structured(await mcp.call_tool("ssh_list", {}))

    assert closed["closed"] and not closed["warning"]
    assert listed["sessions"] == []


async def test_close_refuses_while_a_command_runs_unless_forced(ssh_hub, ssh_token, tmux):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        opened = structured(await mcp.call_tool("ssh_open", {"host": "testbox"}))
        running = structured(
            await mcp.call_tool(
                "ssh_send_command", {"id": opened["id"], "command": "sleep 30", "timeout": 0.5}
            )
        )
        refused = await mcp.call_tool("ssh_close", {"id": opened["id"]})
        forced = structured(await mcp.call_tool("ssh_close", {"id": opened["id"], "force": True}))

    assert not running["completed"]
    assert refused.is_error and "force" in refused.content[0].text
    assert forced["closed"] and forced["warning"]


async def test_ssh_tools_carry_their_tiers(ssh_hub, ssh_token):
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        tools = {tool.name: tool.annotations for tool in (await mcp.list_tools()).tools}

    assert tools["ssh_list"].read_only_hint and tools["ssh_snapshot"].read_only_hint
    assert tools["ssh_read_file"].read_only_hint
    assert not tools["ssh_send_command"].read_only_hint and not tools["ssh_send_command"].destructive_hint
    assert tools["ssh_close"].destructive_hint
    assert all(tools[name].open_world_hint for name in tools if name.startswith("ssh_"))


async def test_closing_needs_the_destructive_tier(hub, mcp_token):
    async with mcp_session(hub, mcp_token) as mcp:
        names = {tool.name for tool in (await mcp.list_tools()).tools}

    assert {"ssh_open", "ssh_list", "ssh_send_command", "ssh_read_file", "ssh_write_file"} <= names
    assert "ssh_close" not in names
