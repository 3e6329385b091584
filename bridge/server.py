"""The MCP server: the tools of `bridge.registry` (the bridge's, `abuse`'s), over stateless Streamable HTTP.

`HubServer` is where every tool call passes: it resolves the caller (`bridge.context`), hides and
refuses tools above their tier, accepts real clients' argument quirks, turns errors into tool
errors that say what to fix, and writes the audit log (one row per call, batched calls included).
tools/list goes out without the schema noise pydantic adds (`lean`): it is paid in every conversation.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import Tool
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tmuxhub.accounts.token_cache import CachedTokenVerifier

from . import audit, resources
from .context import Caller, acting_as, resolve_caller
from .exceptions import BridgeError
from .registry import TOOLS, allows

INSTRUCTIONS = """\
Drive tmux on the owner's machine. Find panes with tmux_list_sessions / list_panes (targets: pane id
like %3, or session:window.pane). Read with capture_pane, or capture_since for only what is new.
Claude Code: `ask` sends a prompt and returns its reply; agent_state says what it shows; answer_dialog
answers its permission prompts. Other TUIs: tmux_send_prompt (check `verified`), wait_for_idle,
capture_since. Shell commands: run_command. Keys like C-c: send_keys.
Several reads in one call (each call is a round trip): call_read_tools_batch.
"""


def _allowed_hosts() -> list[str]:
    public = urlsplit(settings.TMUXHUB_PUBLIC_URL)
    hosts = {public.netloc, public.hostname or ""}
    return sorted(h for h in hosts if h)


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
            except ValueError:
                raise BridgeError(
                    "'params' is not valid JSON; send the tool's arguments as an object"
                ) from None
        if isinstance(wrapped, dict):
            arguments = wrapped
    unwrapped = dict(arguments)
    for name, value in arguments.items():
        if isinstance(value, str) and value[:1] in ("[", "{") and _expects_structure(properties.get(name)):
            with contextlib.suppress(ValueError):  # if it is not JSON, validation says what is wrong
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


class HubServer(resources.PromptChecks):
    async def list_tools(self) -> list[Tool]:
        caller = resolve_caller()
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

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        caller = resolve_caller()
        started = time.perf_counter()
        error: str | None = None
        try:
            if not self._permits(caller, name):
                declared = TOOLS.get(name)
                if declared is None:
                    raise ToolError(f"there is no tool {name!r}; tools/list shows the ones you may call")
                raise ToolError(
                    f"{name} needs the {declared.tier} tier and you are limited to {caller.tier}; "
                    "ask the hub's owner to raise your tier"
                )
            registered = self._tool_manager.get_tool(name)
            arguments = unwrap_arguments(arguments, registered.parameters if registered else None)
            with acting_as(caller, partial(self._call_inner, context=context)):
                return await super().call_tool(name, arguments, context)
        except UnexpectedToolError as exc:
            error = str(exc)
            raise
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

    async def _call_inner(self, name: str, arguments: dict[str, Any], context: Any) -> dict[str, Any]:
        """One call of a batch: a tool call of its own (tier check, validation, audit row)."""
        result = await self.call_tool(name, arguments, context)
        structured = getattr(result, "structured_content", None)
        if isinstance(structured, dict):
            return structured
        return {"content": [block.model_dump(mode="json", exclude_none=True) for block in result.content]}


def build_server() -> HubServer:
    server = HubServer(
        name="tmuxhub",
        instructions=INSTRUCTIONS,
        token_verifier=CachedTokenVerifier(),
        auth=AuthSettings(
            issuer_url=settings.TMUXHUB_PUBLIC_URL,
            resource_server_url=settings.MCP_RESOURCE_URL,  # type: ignore[arg-type]
            required_scopes=["mcp"],
            # The verifier already refuses tokens for another resource; the SDK checks it again.
            validate_token_resource=True,
        ),
    )
    # The SDK wraps every message in an OpenTelemetry span: a no-op without an exporter (the hub
    # installs none) that still cost 7 % of the calls a worker answers a second. Its documented
    # opt-out is dropping it from this list (by name: the class lives in a private module).
    server.middleware[:] = [m for m in server.middleware if type(m).__name__ != "OpenTelemetryMiddleware"]
    for tool in TOOLS.values():
        server.add_tool(tool.fn, name=tool.name, annotations=tool.annotations, meta=tool.meta)
    resources.register(server)
    return server


def _flushing_audit(
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]],
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def wrapped(app: Starlette) -> AsyncIterator[None]:
        async with lifespan(app):
            try:
                yield
            finally:
                await audit.flush()

    return wrapped


_wants_progress: ContextVar[bool] = ContextVar("tmuxhub_wants_progress", default=False)
PEEK_LIMIT = 1024 * 1024  # bytes of a request body looked at for a progress token


class _ProgressAwareManager(StreamableHTTPSessionManager):
    """Answers each POST with one JSON body, except a call that asked for progress
    (`_meta.progressToken`): a JSON body has no room for notifications, so that one gets an SSE
    stream (the SDK reads `json_response` per request)."""

    @property
    def json_response(self) -> bool:
        return self._json_default and not _wants_progress.get()

    @json_response.setter
    def json_response(self, value: bool) -> None:
        self._json_default = value


class _PeekForProgress:
    """ASGI middleware: reads a POST's body ahead (then replays it) to see whether it asks for
    progress notifications, for `_ProgressAwareManager`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        messages: list[Message] = []
        body = b""
        while len(body) <= PEEK_LIMIT:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            if message["type"] != "http.request" or not message.get("more_body"):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        token = _wants_progress.set(b'"progressToken"' in body)
        try:
            await self.app(scope, replay, send)
        finally:
            _wants_progress.reset(token)


def build_mcp_app() -> Starlette:
    # Stateless mode "terminates a session" on every request and logs it at INFO: noise, and a
    # write per call on the hot path.
    logging.getLogger("mcp.server.streamable_http").setLevel(logging.WARNING)
    server = build_server()
    app = server.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=_allowed_hosts(),
            allowed_origins=settings.TMUXHUB_MCP_ALLOWED_ORIGINS,
        ),
    )
    # Audit rows are written after each call's answer: write the last ones before the process exits.
    app.router.lifespan_context = _flushing_audit(app.router.lifespan_context)
    server.session_manager.__class__ = _ProgressAwareManager  # `ask` reports progress while it waits
    server.session_manager.json_response = True
    app.add_middleware(_PeekForProgress)
    return app
