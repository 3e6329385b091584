"""What a model pays to read a 100-line pane: the bytes of each tool result's text content (what a
model reads), beside the pane's own text, for tmuxhub's reading tools and, when the run has the
`seeds` part too, the seeds' (same pane, same client code). `python -m bench --only hub seeds bytes`
prints the table, with each client's CPU per call in the main table.

structuredContent is counted apart: it goes to the client program, which validates it against the
tool's output schema; a model is not shown it beside the text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .servers import SEEDS, http_sessions, seed_http
from .world import PANE_ROWS, SESSION, Hub, SeedUnavailable, Tmux


@dataclass
class Reading:
    server: str
    tool: str
    model_bytes: int = 0  # text content blocks, UTF-8
    structured_bytes: int = 0  # structuredContent as compact JSON, UTF-8
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server, "tool": self.tool, "model_bytes": self.model_bytes,
            "structured_bytes": self.structured_bytes, "note": self.note,
        }  # fmt: skip


def pane_bytes(world: Tmux) -> int:
    """The pane's 100 lines as a terminal shows them (no colour codes), joined by newlines."""
    text = world.run("capture-pane", "-p", "-J", "-S", f"-{PANE_ROWS}", "-t", world.pane)
    return len("\n".join(text.splitlines()[-PANE_ROWS:]).encode())


async def _read(session: Any, server: str, tool: str, arguments: dict[str, Any]) -> Reading:
    result = await session.call_tool(tool, arguments)
    text = "".join(getattr(block, "text", "") for block in result.content)
    structured = getattr(result, "structured_content", None)
    reading = Reading(server, tool, len(text.encode()))
    if structured is not None:
        reading.structured_bytes = len(json.dumps(structured, separators=(",", ":")).encode())
    if result.is_error:
        reading.note = f"error: {text[:120]}"
    return reading


def hub_tools(world: Tmux) -> list[tuple[str, dict[str, Any]]]:
    pane = {"pane": world.pane}
    return [
        ("capture_pane", {**pane, "lines": PANE_ROWS}),
        ("tmux_get_summary", {**pane, "lines": PANE_ROWS}),
        ("capture_since", {**pane, "max_lines": PANE_ROWS}),  # a first read: the pane's last lines
        ("snapshot_pane", pane),  # the screen: the bench pane shows 100 rows
    ]


async def readings(running: Hub, world: Tmux, seeds: bool) -> list[Reading]:
    found = []
    async with http_sessions(running.mcp_url, running.token, 1) as [session]:
        for tool, arguments in hub_tools(world):
            found.append(await _read(session, "tmuxhub", tool, arguments))
    for seed in SEEDS if seeds else []:
        try:
            seed.ensure(lambda message: None)
        except SeedUnavailable as exc:
            found.append(Reading(seed.name, seed.tool, note=f"skipped: {exc}"))
            continue
        with seed_http(seed, world) as served:
            async with http_sessions(served.url, served.token, 1, seed.headers) as [session]:
                found.append(await _read(session, seed.name, seed.tool, seed.arguments(world)))
                if seed.name == "libtmux-mcp":
                    found.append(await _read(session, seed.name, "snapshot_pane", {"pane_id": world.pane}))
    return found


def table(found: list[Reading], pane: int) -> str:
    rows = [
        f"The pane: {PANE_ROWS} lines, {pane:,} bytes of text (session {SESSION}).",
        "",
        "| server | tool | bytes a model reads (text content) | ÷ pane text | structuredContent bytes |",
        "|---|---|---|---|---|",
    ]
    for r in found:
        ratio = f"{r.model_bytes / pane:.2f}x" if r.model_bytes else "—"
        extra = f" ({r.note})" if r.note else ""
        rows.append(
            f"| {r.server} | `{r.tool}`{extra} | {r.model_bytes:,} | {ratio} | {r.structured_bytes:,} |"
        )
    return "\n".join(rows)
