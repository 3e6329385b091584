"""The MCP server: the tools of `bridge.registry` (the bridge's, `abuse`'s), over stateless Streamable HTTP.

`HubServer` is where every tool call passes: it resolves the caller (`bridge.context`), hides and
refuses tools above their tier, accepts real clients' argument quirks, turns the bridge's errors
(`BridgeError`, which knows nothing of MCP) into tool errors that say what to fix, and writes the
audit log (one row per call, batched calls, resource reads and prompts included).
tools/list goes out without the schema noise pydantic adds (`lean`): it is paid in every conversation.
The HTTP side (bearer check, JSON or SSE answers) is `bridge.endpoint`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.types import Tool
from pydantic import ValidationError

from . import audit, resources, seams
from .context import Caller, acting_as, allows, resolve_caller
from .exceptions import BridgeError
from .registry import TOOLS

INSTRUCTIONS = """\
Drive tmux on the owner's machine. Find panes with tmux_list_sessions / list_panes (targets: pane id
like %3, or session:window.pane). Read with capture_pane, or capture_since for only what is new.
Claude Code: `ask` sends a prompt and returns its reply; agent_state says what it shows; answer_dialog
answers its permission prompts. Other TUIs: tmux_send_prompt (check `verified`), wait_for_idle,
capture_since. Shell commands: run_command. Keys like C-c: send_keys.
Several reads in one call (each call is a round trip): call_read_tools_batch.
"""


def _expects_structure(schema: dict[str, Any] | None) -> bool:
    if not schema:
        return False
    kinds = [schema.get("type"), *(option.get("type") for option in schema.get("anyOf", []))]
    return "array" in kinds or "object" in kinds


def unwrap_arguments(arguments: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    """Accept what some Claude clients send: all arguments as `{"params": "<json>"}`, or a list or
    object argument as a JSON string. Anything else is left for validation to judge."""
    properties = (schema or {}).get("properties", {})
    wrapped = arguments.get("params")
    if set(arguments) == {"params"} and "params" not in properties:
        if isinstance(wrapped, str):
            try:
                wrapped = json.loads(wrapped)
            except (ValueError, RecursionError):  # deep nesting is a RecursionError, not a ValueError
                raise BridgeError(
                    "'params' is not valid JSON; send the tool's arguments as an object"
                ) from None
        if isinstance(wrapped, dict):
            arguments = wrapped
    unwrapped = dict(arguments)
    for name, value in arguments.items():
        if isinstance(value, str) and value[:1] in ("[", "{") and _expects_structure(properties.get(name)):
            # If it is not JSON (or nests past the parser's depth), validation says what is wrong.
            with contextlib.suppress(ValueError, RecursionError):
                unwrapped[name] = json.loads(value)
    return unwrapped


def _explain_invalid(tool: str, error: ValidationError) -> str:
    problems = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    return f"invalid arguments for {tool}: {'; '.join(problems)}. Fix them and call again."


def lean(schema: Any) -> Any:
    """A JSON schema without pydantic's generated "title" keywords ("Session Id" for session_id):
    they say nothing the property name does not, and tools/list is sent in every conversation."""
    if isinstance(schema, list):
        return [lean(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kept = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs"):  # maps of names: a property may be called "title"
            kept[key] = {name: lean(sub) for name, sub in value.items()}
        else:
            kept[key] = lean(value)
    return kept


def lean_input(schema: dict[str, Any]) -> dict[str, Any]:
    """`lean`, and an optional argument (`x: T | None = None`) described as plain `T`, not required:
    leaving it out means None. A client that sends null anyway still passes validation."""
    schema = lean(schema)
    for name, prop in schema.get("properties", {}).items():
        options = prop.get("anyOf", [])
        if prop.get("default", 0) is None and len(options) == 2 and {"type": "null"} in options:
            plain = next(option for option in options if option != {"type": "null"})
            rest = {key: value for key, value in prop.items() if key not in ("anyOf", "default")}
            schema["properties"][name] = {**plain, **rest}
    return schema


def lean_output(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    """`lean`, without "required" lists: a result always carries every field it declares."""

    def drop_required(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: drop_required(value) for key, value in node.items() if key != "required"}
        return [drop_required(item) for item in node] if isinstance(node, list) else node

    return drop_required(lean(schema)) if schema is not None else None


# The deepest arguments a hub tool takes nest four levels (a batch of calls with their arguments);
# deeper ones are refused before anything walks them recursively (validation, the audit digest).
MAX_NESTING = 32


def nests_deeper(value: Any, limit: int) -> bool:
    """True when `value` holds lists or objects more than `limit` levels deep. A loop, not recursion:
    a request body can nest thousands of levels, past Python's recursion limit."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any] = ()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        if children and depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _too_deep(tool: str) -> str:
    return f"the arguments of {tool} nest more than {MAX_NESTING} levels deep; no tool takes that"


class HubServer(resources.PromptChecks):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._input_schemas: dict[str, dict[str, Any]] = {}

    async def list_tools(self) -> list[Tool]:
        caller = resolve_caller(get_access_token())
        return [
            tool.model_copy(
                update={
                    "input_schema": lean_input(tool.input_schema),
                    "output_schema": lean_output(tool.output_schema),
                }
            )
            for tool in await super().list_tools()
            if self._permits(caller, tool.name)
        ]

    @staticmethod
    def _permits(caller: Caller, name: str) -> bool:
        declared = TOOLS.get(name)
        return declared is not None and allows(caller.tier, declared.tier)

    async def _input_schema(self, name: str) -> dict[str, Any] | None:
        if not self._input_schemas:
            self._input_schemas = {tool.name: tool.input_schema for tool in await super().list_tools()}
        return self._input_schemas.get(name)

    def _refusal(self, caller: Caller, name: str, arguments: dict[str, Any]) -> str | None:
        if not self._permits(caller, name):
            declared = TOOLS.get(name)
            if declared is None:
                return f"there is no tool {name!r}; tools/list shows the ones you may call"
            return (
                f"{name} needs the {declared.tier} tier and you are limited to {caller.tier}; "
                "ask the hub's owner to raise your tier"
            )
        if nests_deeper(arguments, MAX_NESTING):
            return _too_deep(name)
        return None

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        caller = resolve_caller(get_access_token())
        started = time.perf_counter()
        error: str | None = None
        try:
            refusal = self._refusal(caller, name, arguments)
            if refusal is not None:
                raise ToolError(refusal)
            arguments = unwrap_arguments(arguments, await self._input_schema(name))
            if nests_deeper(arguments, MAX_NESTING):  # a JSON string argument, now parsed
                raise ToolError(_too_deep(name))
            with acting_as(caller):
                return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            # The one place a bridge error becomes an MCP tool error: the SDK wraps whatever a tool
            # raises that is not its own ToolError as "unexpected" (and logs its traceback).
            if not isinstance(exc.__cause__, BridgeError):
                error = str(exc)
                raise
            error = str(exc.__cause__)
            raise ToolError(error) from exc.__cause__
        except BridgeError as exc:  # from unwrap_arguments, before the tool ran
            error = str(exc)
            raise ToolError(error) from exc
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                exc = ToolError(_explain_invalid(name, cause))
            elif isinstance(cause, ToolError):
                exc = ToolError(str(cause))  # the tool's own message, without the SDK's prefix
            error = str(exc)
            raise exc from cause
        except Exception as exc:  # a protocol error (MCPError): the SDK answers it, the log still counts it
            error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            audit.record(caller, name, arguments, error, (time.perf_counter() - started) * 1000)

    async def call_batched(self, name: str, arguments: dict[str, Any], context: Context) -> dict[str, Any]:
        """One call of a batch: a tool call of its own (tier check, validation, audit row), for a tool
        declared `batchable`. Its failure is a `BridgeError` with the tool's message."""
        declared = TOOLS.get(name)
        if declared is None or not declared.batchable:
            raise BridgeError(
                f"{name!r} is not a readonly tool that a batch can run (waits cannot); "
                "tools/list marks readonly tools with readOnlyHint"
            )
        try:
            result = await self.call_tool(name, arguments, context)
        except ToolError as exc:
            raise BridgeError(str(exc)) from None
        structured = getattr(result, "structured_content", None)
        if isinstance(structured, dict):
            return structured
        return {"content": [block.model_dump(mode="json", exclude_none=True) for block in result.content]}

    async def read_resource(self, uri: Any, context: Any = None) -> Any:
        """A resource read, audited like a tool call (`tmux://panes/N` shows what a pane holds)."""
        with self._audited("resources/read", {"uri": str(uri)}):
            return await super().read_resource(uri, context)

    async def get_prompt(self, name: str, arguments: Any = None, context: Any = None) -> Any:
        with self._audited("prompts/get", {"name": name, "arguments": arguments}):
            return await super().get_prompt(name, arguments, context)

    @contextlib.contextmanager
    def _audited(self, method: str, arguments: dict[str, Any]) -> Iterator[None]:
        caller = resolve_caller(get_access_token())
        started = time.perf_counter()
        error: str | None = None
        try:
            yield
        except Exception as exc:
            error = str(exc)
            raise
        finally:
            audit.record(caller, method, arguments, error, (time.perf_counter() - started) * 1000)


def build_server() -> HubServer:
    server = HubServer(
        name="tmuxhub",
        instructions=INSTRUCTIONS,
        # The hub publishes no list changes (its tools, resources and prompts are fixed at start), so
        # it does not offer subscriptions/listen: each listen held a stream open for as long as the
        # client liked, and the SDK's default listener shares 1,024 of them among every caller.
        subscriptions=False,
    )
    seams.drop_telemetry(server)
    for tool in TOOLS.values():
        server.add_tool(tool.fn, name=tool.name, annotations=tool.annotations, meta=tool.meta)
    resources.register(server)
    return server
