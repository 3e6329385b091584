"""Pipe a pane's output to a log under the hub's data folder, and read it later from any offset:
long output that outruns the pane's history (a build, a test run) stays readable."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path
from typing import Annotated

from django.conf import settings
from mcp.types import CallToolResult
from pydantic import Field

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.registry import hub_tool
from bridge.results import terminal_result
from bridge.schemas import PaneTarget, PipeRead, PipeState
from bridge.screen import cap_bytes
from bridge.terminal_text import TextStream

MAX_LOG_BYTES = 16 * 1024 * 1024  # per pane: `dd` stops writing there
BLOCK = 4096


def _log(pane_id: str) -> Path:
    return Path(settings.TMUXHUB_DATA_DIR) / "pipes" / f"pane-{pane_id.lstrip('%')}.log"


async def _state(pane: str) -> tuple[str, bool, Path]:
    pane_id, piping = await tmux.display(pane, "pane_id", "pane_pipe")
    return pane_id, piping == "1", _log(pane_id)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


@hub_tool("mutating", title="Log a pane's output")
async def pipe_pane(
    pane: PaneTarget, stop: Annotated[bool, Field(description="Stop logging instead of starting.")] = False
) -> PipeState:
    """Log everything a pane's program writes from now on (a fresh log, up to 16 MiB), for read_pipe."""
    pane_id, _, path = await _state(pane)
    if stop:
        await tmux.pipe_pane(pane_id, None)
    else:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # dd writes each read at once (head -c holds the last few KB in a buffer); at most
        # MAX_LOG_BYTES: count blocks, each up to BLOCK bytes.
        log = shlex.quote(str(path))
        await tmux.pipe_pane(
            pane_id, f"exec dd of={log} bs={BLOCK} count={MAX_LOG_BYTES // BLOCK} 2>/dev/null"
        )
    _, piping, _ = await _state(pane_id)
    return PipeState(pane=pane_id, piping=piping, size=_size(path), max_bytes=MAX_LOG_BYTES)


def _read(path: Path, offset: int, limit: int) -> tuple[bytes, int]:
    with path.open("rb") as log:
        log.seek(offset)
        return log.read(limit), path.stat().st_size


@hub_tool("readonly", title="Read a pane's log", idempotent=True)
async def read_pipe(
    pane: PaneTarget,
    offset: Annotated[
        int, Field(ge=0, le=MAX_LOG_BYTES, description="Byte offset: 0, or a next_offset.")
    ] = 0,
) -> Annotated[CallToolResult, PipeRead]:
    """Read what pipe_pane logged for a pane, from `offset` on, as plain lines (escape codes removed)."""
    pane_id, piping, path = await _state(pane)
    if not path.exists():
        raise BridgeError(f"pane {pane_id} has no log; start one with pipe_pane")
    limit = settings.TMUXHUB_CAPTURE_MAX_BYTES
    data, size = await asyncio.to_thread(_read, path, offset, limit)
    # A line still being written (a prompt, a progress bar) is shown, and read again next time.
    end = data.rfind(b"\n") + 1 or (len(data) if len(data) == limit else 0)
    stream = TextStream()
    kept, _ = cap_bytes([line for line in (*stream.feed(data), stream.partial) if line])
    next_offset = offset + end
    read = PipeRead(
        pane=pane_id, piping=piping, size=size, max_bytes=MAX_LOG_BYTES, text="\n".join(kept),
        next_offset=next_offset, more=offset + len(data) < size,
    )  # fmt: skip
    return terminal_result(read, "text")
