"""The real Claude Code TUI's round trip through tmuxhub: `ask` (prompt → reply in one call) on every
tested release (tests/support/claude_code.py RELEASES; the screen alone), beside the three calls a
client makes without it (`tmux_send_prompt`, `wait_for_idle`, `capture_since`) on the pinned one.

Claude Code (installed by `make claude-code`) runs in the bench's tmux server against the tests' fake
Anthropic API on loopback, which answers at once: the figures are tmuxhub's and the TUI's own cost,
not a model's.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .timing import Budget, Result
from .world import Hub, Tmux


@contextmanager
def claude_pane(world: Tmux, version: str, hooks: bool = False) -> Iterator[tuple[str, Any]]:
    """Claude Code `version` at its empty input box in a session of the bench's tmux server (start-up
    questions answered; `hooks`: with the hub's hooks installed); (pane, fake API)."""
    from tests.fakes.anthropic import FakeAnthropic
    from tests.support.claude_code import command, ensure_installed, install_hooks, wait_ready

    binary = ensure_installed(version)
    fake = FakeAnthropic.start()
    folder = Path(tempfile.mkdtemp(prefix="claude-", dir=world.folder))
    try:
        if hooks:
            install_hooks(folder / "home")
        start = command(binary, folder / "home", folder / "work", fake.url)
        name = f"claude-{version}{'-hooks' if hooks else ''}".replace(".", "-")
        pane = world.run(
            "new-session", "-d", "-P", "-F", "#{pane_id}", "-s", name, "-x", "120", "-y", "40", start
        ).strip()

        def press(keys: Sequence[str]) -> None:
            world.run("send-keys", "-t", pane, *keys)

        wait_ready(lambda: world.run("capture-pane", "-p", "-t", pane).split("\n"), press, version)
        yield pane, fake
    finally:
        fake.close()


async def claude_cases(running: Hub, world: Tmux, budget: Budget) -> list[Result]:
    from tests.support.claude_code import PINNED, RELEASES

    results = []
    for version in RELEASES:
        results += await _claude_cases(running, world, budget, version, three_calls=version == PINNED)
        results.append(await _hooked_ask(running, world, budget, version))
    return results


async def _call(session: Any, name: str, **arguments: Any) -> Any:
    from tests.support.hub import structured

    answer = await session.call_tool(name, arguments)
    if answer.is_error:
        raise RuntimeError(answer.content[0].text)
    return structured(answer)


async def _hooked_ask(running: Hub, world: Tmux, budget: Budget, version: str) -> Result:
    """`ask` with the hub's hooks installed in Claude Code: the turn ends at its Stop hook and the reply
    is read from its transcript (`source: hooks`), beside the screen-alone row above."""
    from tests.support.hub import mcp_session

    rounds = min(budget.calls, 15)
    one = Result(case=f"`ask` → reply, real Claude Code TUI {version} (hooks)", clients=1)
    with claude_pane(world, version, hooks=True) as (pane, fake):
        async with mcp_session(running.mcp_url, running.token) as session:
            right = 0
            for i in range(rounds):
                before = time.perf_counter()
                out = await _call(session, "ask", pane=pane, text=f"bench question {i}", timeout=60)
                one.latencies_ms.append((time.perf_counter() - before) * 1000)
                right += (out["source"], out["reply"]) == ("hooks", f"reply {i + 1}: bench question {i}")
        assert len(fake.prompts) == rounds
    one.errors = rounds - right
    one.note = f"{right}/{rounds} replies returned exactly from the hooks and transcript"
    return one


async def _claude_cases(
    running: Hub, world: Tmux, budget: Budget, version: str, three_calls: bool
) -> list[Result]:
    from tests.support.hub import mcp_session

    rounds = min(budget.calls, 15)
    one = Result(case=f"`ask` → reply, real Claude Code TUI {version} (screen alone)", clients=1)
    three = Result(
        case=f"`tmux_send_prompt` + `wait_for_idle` (quiet 0.5 s) + `capture_since`, Claude Code {version}",
        clients=1,
    )
    with claude_pane(world, version) as (pane, fake):
        async with mcp_session(running.mcp_url, running.token) as session:

            async def tool(name: str, **arguments: Any) -> Any:
                return await _call(session, name, **arguments)

            right = 0
            for i in range(rounds):
                before = time.perf_counter()
                out = await tool("ask", pane=pane, text=f"bench question {i}", timeout=60)
                one.latencies_ms.append((time.perf_counter() - before) * 1000)
                right += out["reply"] == f"● reply {i + 1}: bench question {i}"
            one.errors = rounds - right
            one.note = f"{right}/{rounds} replies returned exactly (just the reply)"
            if not three_calls:
                assert len(fake.prompts) == rounds
                return [one]
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
