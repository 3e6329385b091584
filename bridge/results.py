"""Tool results that carry terminal text, shaped so a model pays for that text once.

A model reads a result's text content block, not its structured content. The SDK fills that block
with the structured result as JSON: every line of a pane quoted and escaped, and (before this) the
pane twice, as `lines` and as `text`. `terminal_result` keeps the structured result whole and typed
(`structuredContent`, checked against the tool's output schema) and gives the model one compact
JSON line of the other fields followed by the text itself, as the terminal shows it:

    {"pane":"%3","truncated":false}
    $ make
    ...

A tool that returns one declares it as `Annotated[CallToolResult, Capture]`: the SDK takes the
output schema from the model named there.
"""

from __future__ import annotations

import json

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel


def terminal_result(result: BaseModel, text_field: str) -> CallToolResult:
    """`result` as structured content, and for the model its fields but `text_field` (a string or a
    list of lines) on one JSON line, then that field's text."""
    structured = result.model_dump(mode="json")
    text = structured[text_field]
    if isinstance(text, list):
        text = "\n".join(text)
    rest = {name: value for name, value in structured.items() if name != text_field}
    header = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return CallToolResult(
        content=[TextContent(type="text", text=f"{header}\n{text}")], structured_content=structured
    )
