"""The hub SIGKILLed (the OOM killer, `docker kill`) while a wait follows a pane that keeps printing:
the user's tmux is left as it was, with none of the hub's clients attached and a server that still
exits on `kill-server`. tmux 3.3a kept such a client for good, and then could never exit."""

from __future__ import annotations

import subprocess
import time

import anyio
import pytest

from tests.support.hub import Hub, mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=10)


def clients(socket: str, *args: str) -> list[str]:
    return tmux(socket, "list-clients", "-F", "#{client_name}", *args).stdout.split()


@pytest.fixture
def doomed_hub(hub_factory, make_user, make_token) -> tuple[Hub, str]:
    """A hub of this test's own, to kill, and a token for it."""
    hub = hub_factory()
    return hub, make_token(make_user(), resource=hub.mcp_url)


async def test_a_killed_hub_leaves_no_client_in_the_users_tmux(doomed_hub, tmux_socket) -> None:
    hub, token = doomed_hub
    # More output than the hub can read: some is always on its way to the hub's watching client.
    tmux(tmux_socket, "new-session", "-d", "-s", "busy", "yes 'compiler output'")
    tmux(tmux_socket, "new-session", "-d", "-s", "work")
    pane = tmux(tmux_socket, "display-message", "-p", "-t", "=busy:", "#{pane_id}").stdout.strip()
    ended: list[object] = []

    async def waiting_call() -> None:
        try:
            async with mcp_session(hub, token) as session:
                arguments = {"pane": pane, "pattern": "unseen", "timeout": 60}
                ended.append(await session.call_tool("wait_for_text", arguments))
        except* Exception as dropped:  # however the SDK reports the hub's end
            ended.append(dropped)

    async with anyio.create_task_group() as group:
        group.start_soon(waiting_call)
        with anyio.fail_after(10):
            while not clients(tmux_socket, "-t", "busy"):
                assert not ended, f"the wait ended before its client attached: {ended}"
                await anyio.sleep(0.05)  # until the wait's watching client is attached
        await anyio.sleep(0.5)
        hub.process.kill()
        hub.process.wait(timeout=10)
    assert isinstance(ended[0], BaseExceptionGroup), f"the call outlived the hub: {ended}"

    deadline = time.monotonic() + 5
    while left := clients(tmux_socket):
        assert time.monotonic() < deadline, f"the dead hub's clients stayed attached: {left}"
        time.sleep(0.05)
    assert tmux(tmux_socket, "has-session", "-t", "=work").returncode == 0  # nothing of the user's went

    tmux(tmux_socket, "kill-server")
    deadline = time.monotonic() + 5
    while "server exited unexpectedly" in tmux(tmux_socket, "list-sessions").stderr:
        assert time.monotonic() < deadline, "tmux could not exit: a client of the dead hub is still attached"
        time.sleep(0.05)
    assert "no server running" in tmux(tmux_socket, "list-sessions").stderr
