"""An open SSH session on the test sshd, through the hub's MCP tools."""

import pytest

from tests.support.hub import mcp_session, structured


@pytest.fixture
async def ssh(ssh_hub, ssh_token, tmux):
    """An MCP session and an open SSH session id: `mcp, sid = ssh`."""
    async with mcp_session(ssh_hub, ssh_token) as mcp:
        opened = structured(await mcp.call_tool("ssh_open", {"host": "testbox"}))
        yield mcp, opened["id"]
