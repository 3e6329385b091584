"""Where every MCP tool of the hub is declared, with its safety tier.

Tools live in the module of what they act on (`bridge/tools/*.py`, `abuse/tools.py`, ...) and are
declared with `@hub_tool(...)`; `bridge.server` registers them all, hiding and refusing the ones above
the caller's tier. The tier also sets the MCP annotations, so they cannot disagree, and whether
`call_read_tools_batch` may run the tool: readonly tools may, unless they say `batchable=False`
(a wait holds its caller for minutes).

    @hub_tool("readonly", title="List tmux sessions", idempotent=True)
    async def tmux_list_sessions() -> SessionList: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable

from mcp.types import ToolAnnotations

from .context import Tier

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class HubTool:
    fn: Callable[..., Any]
    name: str
    tier: Tier
    annotations: ToolAnnotations
    batchable: bool
    meta: dict[str, Any] | None = None


TOOLS: dict[str, HubTool] = {}


@runtime_checkable
class BatchRunner(Protocol):
    """What runs one call of a batch: the server, which checks, audits and answers it like any call."""

    async def call_batched(self, name: str, arguments: dict[str, Any], context: Any) -> dict[str, Any]: ...


def hub_tool(
    tier: Tier,
    *,
    title: str,
    idempotent: bool = False,
    open_world: bool = False,
    name: str | None = None,
    meta: dict[str, Any] | None = None,
    batchable: bool | None = None,
) -> Callable[[F], F]:
    """Declare a tool. `open_world` is for tools that reach beyond tmux (SSH hosts, AbuseIPDB);
    `meta` is the tool's `_meta` in tools/list (the terminal view's, `bridge.app_view`); `batchable`
    defaults to the tier being readonly."""

    def declare(fn: F) -> F:
        tool_name = name or fn.__name__
        if tool_name in TOOLS:
            raise ValueError(f"tool {tool_name!r} is declared twice")
        if batchable and tier != "readonly":
            raise ValueError(f"tool {tool_name!r}: a batch runs readonly tools only")
        TOOLS[tool_name] = HubTool(
            fn=fn,
            name=tool_name,
            tier=tier,
            # Only hints that say something (every byte of tools/list is paid in every conversation):
            # destructiveHint means nothing for a read-only tool, idempotentHint false is the default.
            annotations=ToolAnnotations(
                title=title,
                read_only_hint=True if tier == "readonly" else None,
                destructive_hint={"mutating": False, "destructive": True}.get(tier),
                idempotent_hint=idempotent or None,
                open_world_hint=open_world,
            ),
            meta=meta,
            batchable=tier == "readonly" if batchable is None else batchable,
        )
        return fn

    return declare
