import pytest

from tests.fixtures.panes import pane_text
from tests.support.hub import call, mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


def run(pane, command: str, expect: str) -> None:
    pane.send_keys(command, enter=True)
    wait_until(lambda: expect in pane_text(pane))


async def test_it_returns_only_what_is_new_since_my_last_read(hub, mcp_token, shell_pane):
    run(shell_pane, "echo first", "first\n$")

    async with mcp_session(hub, mcp_token) as session:
        initial = await call(session, "capture_since", pane=shell_pane.pane_id)
        run(shell_pane, "echo second", "second\n$")
        then = await call(session, "capture_since", pane=shell_pane.pane_id)
        nothing = await call(session, "capture_since", pane=shell_pane.pane_id)

    assert initial["first_read"] and "first" in initial["text"].splitlines()
    assert not then["first_read"]
    assert "first" not in then["text"].splitlines()
    assert "second" in then["text"].splitlines()
    assert nothing["text"].splitlines() == []


@pytest.fixture
def two_tokens(make_user, make_token):
    return make_token(make_user("alice")), make_token(make_user("bob"))


async def test_each_user_has_their_own_read_mark(hub, two_tokens, shell_pane):
    alice, bob = two_tokens
    run(shell_pane, "echo hello", "hello\n$")

    async with mcp_session(hub, alice) as session:
        await call(session, "capture_since", pane=shell_pane.pane_id)
    async with mcp_session(hub, bob) as session:
        bobs_first = await call(session, "capture_since", pane="work:0.0")

    assert bobs_first["first_read"]
    assert "hello" in bobs_first["text"].splitlines()
