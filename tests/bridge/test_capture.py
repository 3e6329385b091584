import pytest

from tests.bridge.conftest import call, pane_text, wait_until
from tests.hub import mcp_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_it_returns_exactly_the_last_n_lines(hub, mcp_token, shell_pane):
    shell_pane.send_keys("for i in $(seq 1 80); do echo line$i; done", enter=True)
    wait_until(lambda: "line80" in pane_text(shell_pane))

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "capture_pane", pane=shell_pane.pane_id, lines=5)

    assert out["lines"] == ["line77", "line78", "line79", "line80", "$"]
