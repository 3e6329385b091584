"""The hub SIGKILLed (the OOM killer, `docker kill`) while a wait follows a pane that keeps printing:
the user's tmux is left as it was, with none of the hub's clients attached and a server that still
exits on `kill-server`. tmux 3.3a kept such a client for good, and then could never exit."""

from __future__ import annotations

import anyio
import pytest

from tests.support.hub import Hub, mcp_session
from tests.support.tmux import assert_kill_server_ends_it, client_names, tmux, wait_for_clients_to_leave

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


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
            while not client_names(tmux_socket, "-t", "busy"):
                assert not ended, f"the wait ended before its client attached: {ended}"
                await anyio.sleep(0.05)  # until the wait's watching client is attached
        await anyio.sleep(0.5)
        hub.process.kill()
        hub.process.wait(timeout=10)
    assert isinstance(ended[0], BaseExceptionGroup), f"the call outlived the hub: {ended}"

    wait_for_clients_to_leave(tmux_socket)  # every client was the dead hub's
    assert tmux(tmux_socket, "has-session", "-t", "=work").returncode == 0  # nothing of the user's went
    assert_kill_server_ends_it(tmux_socket)
