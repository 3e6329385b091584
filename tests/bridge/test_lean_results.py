"""A result that carries terminal text costs the model that text once: its text block is one line of
the other fields and the text as the pane shows it (at most 1.15 times the text), and the structured result is
still the typed one the output schema describes."""

import json
import time

import anyio
import pytest

from tests.fixtures.panes import SHELL, pane_text
from tests.support.hub import mcp_session
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

PANE_LINES = 100


@pytest.fixture
def tall_pane(tmux):
    """A shell pane whose screen shows 100 rows (the bench's pane), so a snapshot holds 100 lines."""
    pane = tmux.new_session(session_name="tall", window_command=SHELL, x=120, y=PANE_LINES).active_pane
    wait_until(lambda: "$" in pane_text(pane))
    return pane


def fill(pane, count: int = PANE_LINES) -> None:
    loop = f'for i in $(seq 1 {count}); do echo "line $i: a typical row of output"; done'
    pane.send_keys(loop, enter=True)
    wait_until(lambda: f"line {count}: a typical row of output\n$" in pane_text(pane))


def model_reads(result) -> tuple[dict, str]:
    """The one text block a model reads: its header line (parsed) and the terminal text after it."""
    assert not result.is_error, result.content[0].text
    [block] = result.content
    header, _, text = block.text.partition("\n")
    return json.loads(header), text


async def test_terminal_text_is_read_once_and_the_structure_stays_typed(
    hub, readonly_token, mcp_token, tall_pane
):
    fill(tall_pane)

    async with mcp_session(hub, readonly_token) as reader, mcp_session(hub, mcp_token) as writer:
        schemas = {tool.name: tool.output_schema for tool in (await reader.list_tools()).tools}
        capture = await reader.call_tool("capture_pane", {"pane": tall_pane.pane_id, "lines": PANE_LINES})
        since = await reader.call_tool("capture_since", {"pane": tall_pane.pane_id, "max_lines": PANE_LINES})
        snapshot = await reader.call_tool("snapshot_pane", {"pane": tall_pane.pane_id})
        await writer.call_tool("pipe_pane", {"pane": tall_pane.pane_id})
        command = await writer.call_tool(
            "run_command", {"pane": tall_pane.pane_id, "command": "seq 1 100 | sed 's/$/: some output/'"}
        )
        log = await read_log_until(reader, tall_pane.pane_id, "100: some output")

    header, text = model_reads(capture)
    assert header == {"pane": tall_pane.pane_id, "truncated": False}
    assert text == capture.structured_content["text"] and len(text.splitlines()) == PANE_LINES
    assert set(capture.structured_content) == set(schemas["capture_pane"]["properties"])
    assert len(capture.content[0].text.encode()) <= 1.15 * len(text.encode())

    header, text = model_reads(since)
    assert header["first_read"] is True and text == since.structured_content["text"]
    assert len(since.content[0].text.encode()) <= 1.15 * len(text.encode())

    header, text = model_reads(snapshot)
    assert header["cursor_y"] == snapshot.structured_content["cursor_y"] and "text" not in header
    assert text == snapshot.structured_content["text"]
    assert len(snapshot.content[0].text.encode()) <= 1.15 * len(text.encode())

    header, text = model_reads(command)
    assert header["exit_status"] == 0 and "output" not in header
    assert text == command.structured_content["output"]
    assert text.splitlines()[-1] == "100: some output"
    assert len(command.content[0].text.encode()) <= 1.15 * len(text.encode())

    header, text = model_reads(log)
    assert header["piping"] and "text" not in header and text == log.structured_content["text"]
    assert len(log.content[0].text.encode()) <= 1.15 * len(text.encode())


async def read_log_until(session, pane: str, last: str):
    """read_pipe's result once the pane's log holds `last` (the log is written as the pane prints)."""
    deadline = time.monotonic() + 30
    while True:
        result = await session.call_tool("read_pipe", {"pane": pane})
        if last in result.structured_content["text"].splitlines() or time.monotonic() > deadline:
            break
        await anyio.sleep(0.05)
    if last in result.structured_content["text"].splitlines():
        return result
    raise AssertionError(f"{last!r} never reached the log: {result.content[0].text[-300:]}")
