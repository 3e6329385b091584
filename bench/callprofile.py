"""Where a tool call's CPU goes in the hub: the layers of a `capture_pane` call from cProfile stats
(bench/profiled_hub.py), in ms of the event loop thread's CPU per call.

Cumulative figures nest (the SDK's request handling includes the tool, the limiter includes
everything behind it), so the table also says what each layer spends outside the next one.
"""

from __future__ import annotations

import pstats
from pathlib import Path

PER_CALL = ("bridge/tools/panes.py", "_capture_result")  # a plain function: called once per call
VALIDATE = "<method 'validate_python' of 'pydantic_core._pydantic_core.SchemaValidator' objects>"


def _cumulative(
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]], suffix: str, name: str
) -> float:
    return sum(v[3] for (file, _line, func), v in stats.items() if file.endswith(suffix) and func == name)


def breakdown(path: Path) -> str:
    """A Markdown table of where the event loop thread's CPU went, per tool call; empty without calls.

    The tool runs in a task of the SDK's own, so cProfile's cumulative times do not nest all the way
    from uvicorn down to it: the parts are measured one by one and the rest is what is left."""
    raw = pstats.Stats(str(path))
    stats = raw.stats  # type: ignore[attr-defined]
    calls = sum(v[1] for (f, _l, fn), v in stats.items() if f.endswith(PER_CALL[0]) and fn == PER_CALL[1])
    if not calls:
        return ""
    total = raw.total_tt  # type: ignore[attr-defined]
    limiter = _cumulative(stats, "abuse/middleware.py", "__call__") - _cumulative(
        stats, "tmuxhub/routing.py", "__call__"
    )
    parts = [
        ("abuse limiter, outside the app it guards (abuse/middleware.py)", limiter),
        ("  of which its counters, one Redis round trip (abuse/limiter.py)",
         _cumulative(stats, "abuse/limiter.py", "count")),
        ("bearer token verification, Redis token cache (tmuxhub/accounts/token_cache.py)",
         _cumulative(stats, "tmuxhub/accounts/token_cache.py", "verify_token")),
        ("the tool, capture_pane (bridge/tools/panes.py)",
         _cumulative(stats, "bridge/tools/panes.py", "capture_pane")),
        ("  of which the tmux read over control mode",
         _cumulative(stats, "bridge/tmux/transport.py", "read")),
        ("audit row queued (bridge/audit.py)", _cumulative(stats, "bridge/audit.py", "record")),
    ]  # fmt: skip
    rest = total - sum(seconds for what, seconds in parts if not what.startswith(" "))
    parts.append(("the rest: uvicorn, Starlette, the MCP SDK's session per request, JSON-RPC", rest))
    sdk = [
        ("  of which the SDK's transport per request (streamable_http_manager)",
         _cumulative(stats, "mcp/server/streamable_http_manager.py", "_handle_stateless_request")),
        ("  of which the SDK's dispatch of the call (runner, the tool's rows above included)",
         _cumulative(stats, "mcp/server/runner.py", "_on_request")),
    ]  # fmt: skip
    parts += [(what, seconds) for what, seconds in sdk if seconds]
    parts.append(
        ("pydantic validation, wherever it runs (in the rows above)", _cumulative(stats, "~", VALIDATE))
    )
    lines = [
        f"| event loop thread, {calls:,} capture_pane calls | CPU ms per call | share |",
        "|---|--:|--:|",
        f"| in all | {total * 1000 / calls:.3f} | 100% |",
    ]
    lines += [f"| {what} | {sec * 1000 / calls:.3f} | {sec / total:.0%} |" for what, sec in parts]
    return "\n".join(lines)
