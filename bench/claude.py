"""The real Claude Code TUI's round trip through tmuxhub: `ask` (prompt → reply in one call) beside the
three calls a client makes without it (`tmux_send_prompt`, `wait_for_idle`, `capture_since`).

Claude Code (the version pinned in tests/fixtures/claude_code.py, installed by `make claude-code`)
runs in the bench's tmux server against the tests' fake Anthropic API on loopback, which answers at
once: the figures are tmuxhub's and the TUI's own cost, not a model's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .timing import Budget, Result
from .world import Hub, Tmux


@contextmanager
def claude_pane(world: Tmux) -> Iterator[tuple[str, Any]]:
    """Claude Code at its empty input box in a session of the bench's tmux server; (pane, fake API)."""
    from tests.fakes.anthropic import FakeAnthropic
    from tests.support.claude_code import READY, command, ensure_installed

    binary = ensure_installed()
    fake = FakeAnthropic.start()
    folder = Path(tempfile.mkdtemp(prefix="claude-", dir=world.folder))
    try:
        start = command(binary, folder / "home", folder / "work", fake.url)
        pane = world.run(
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", "claude", "-x", "120", "-y", "40", start
        ).strip()
        deadline = time.monotonic() + 60
        while READY not in world.run("capture-pane", "-p", "-t", pane):
            if time.monotonic() > deadline:
                raise RuntimeError("Claude Code never showed its input box")
            time.sleep(0.1)
        yield pane, fake
    finally:
        fake.close()


async def claude_cases(running: Hub, world: Tmux, budget: Budget) -> list[Result]:
    from tests.support.hub import mcp_session, structured

    rounds = min(budget.calls, 15)
    one = Result(case="`ask` → reply, real Claude Code TUI", clients=1)
    three = Result(
        case="`tmux_send_prompt` + `wait_for_idle` (quiet 0.5 s) + `capture_since`, real Claude Code TUI",
        clients=1,
    )
    with claude_pane(world) as (pane, fake):
        async with mcp_session(running.mcp_url, running.token) as session:

            async def tool(name: str, **arguments: Any) -> Any:
                answer = await session.call_tool(name, arguments)
                if answer.is_error:
                    raise RuntimeError(answer.content[0].text)
                return structured(answer)

            right = 0
            for i in range(rounds):
                before = time.perf_counter()
                out = await tool("ask", pane=pane, text=f"bench question {i}", timeout=60)
                one.latencies_ms.append((time.perf_counter() - before) * 1000)
                right += out["reply"] == f"● reply {i + 1}: bench question {i}"
            one.errors = rounds - right
            one.note = f"{right}/{rounds} replies returned exactly (just the reply)"
            await tool("capture_since", pane=pane)  # sets this user's read mark
            right = 0
            for i in range(rounds):
                before = time.perf_counter()
                await tool("tmux_send_prompt", pane=pane, text=f"three calls {i}")
                await tool("wait_for_idle", pane=pane, quiet=0.5, timeout=60)
                new = await tool("capture_since", pane=pane)
                three.latencies_ms.append((time.perf_counter() - before) * 1000)
                right += f"reply {rounds + i + 1}: three calls {i}" in new["text"]
            three.errors = rounds - right
            three.note = f"{right}/{rounds} replies found in the new lines; 3 model turns per prompt"
        assert len(fake.prompts) == 2 * rounds
    return [one, three]
