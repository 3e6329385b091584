"""Several reads in one call (one audit row each), and a pane's output logged to the hub's data folder
and read back later, past what the pane's history keeps."""

import asyncio

import pytest

from bridge.models import ToolCall
from tests.support.hub import call, call_error, mcp_session
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_batch_runs_readonly_tools_and_audits_each(hub, make_user, make_token, make_pane):
    token = make_token(make_user("batcher"))
    first = make_pane("printf 'one\\n'; sleep 600", ready="one")
    second = make_pane("printf 'two\\n'; sleep 600", ready="two")

    async def calls() -> tuple[dict, str]:
        async with mcp_session(hub, token) as session:
            batch = await call(
                session,
                "call_read_tools_batch",
                calls=[
                    {"tool": "capture_pane", "arguments": {"pane": first.pane_id, "lines": 5}},
                    {"tool": "capture_pane", "arguments": {"pane": second.pane_id, "lines": 5}},
                    {"tool": "capture_pane", "arguments": {"pane": "%99999"}},
                    {"tool": "send_keys", "arguments": {"pane": first.pane_id, "keys": ["C-c"]}},
                    {"tool": "wait_for_idle", "arguments": {"pane": first.pane_id}},
                ],
            )
            too_many = await call_error(
                session, "call_read_tools_batch", {"calls": [{"tool": "list_panes"}] * 11}
            )
            return batch, too_many

    batch, too_many = asyncio.run(calls())

    results = batch["results"]
    assert results[0]["result"]["text"] == "one" and results[1]["result"]["text"] == "two"
    assert "list_panes" in results[2]["error"]
    assert all("not a readonly tool" in r["error"] for r in results[3:])
    assert "at most 10 items" in too_many
    mine = ToolCall.objects.filter(username="batcher")
    rows = wait_until(lambda: sorted(mine.values_list("tool", "outcome")) if mine.count() == 5 else [])
    assert rows == [
        ("call_read_tools_batch", "error"),
        ("call_read_tools_batch", "ok"),
        ("capture_pane", "error"),
        ("capture_pane", "ok"),
        ("capture_pane", "ok"),
    ]
    assert first.cmd("display", "-p", "#{pane_current_command}").stdout == ["sleep"]  # no C-c was sent


@pytest.mark.anyio
async def test_a_pane_log_keeps_what_scrolled_out_of_history(hub, mcp_token, shell_pane):
    async with mcp_session(hub, mcp_token) as session:
        started = await call(session, "pipe_pane", pane=shell_pane.pane_id)
        shell_pane.send_keys("seq 1 3000; printf '\\033[31mred\\033[0m\\n'", enter=True)
        read = await wait_for_log(session, shell_pane.pane_id, "red")
        again = await call(session, "read_pipe", pane=shell_pane.pane_id, offset=read["next_offset"])
        stopped = await call(session, "pipe_pane", pane=shell_pane.pane_id, stop=True)
        capture = await call(session, "capture_pane", pane=shell_pane.pane_id, lines=2000)

    assert started["piping"] and not stopped["piping"]
    logged = read["text"].splitlines()
    assert logged[1:3] == ["1", "2"] and "3000" in logged and "red" in logged
    assert again["text"] in ("$", "")
    assert "2" not in capture["text"].splitlines()  # the pane's history (2000 lines) lost the first lines


async def wait_for_log(session, pane: str, last: str) -> dict:
    for _ in range(100):
        read = await call(session, "read_pipe", pane=pane)
        if last in read["text"].splitlines():
            return read
        await asyncio.sleep(0.05)
    raise AssertionError(f"{last!r} never reached the log: {read['text'].splitlines()[-5:]}")


def test_what_a_batch_may_run_is_declared_with_each_tool() -> None:
    from bridge.registry import TOOLS, hub_tool

    batchable = {name for name, tool in TOOLS.items() if tool.batchable}
    waits = {"wait_for_text", "wait_for_idle", "wait_for_channel", "pane_view", "call_read_tools_batch"}

    assert {"capture_pane", "list_panes", "search_panes", "agent_state"} <= batchable
    assert not batchable & waits
    assert {TOOLS[name].tier for name in batchable} == {"readonly"}
    with pytest.raises(ValueError, match="readonly tools only"):
        hub_tool("mutating", title="Press keys everywhere", batchable=True, name="x_keys")(lambda: None)
