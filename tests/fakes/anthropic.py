"""A fake Anthropic Messages API for the real Claude Code TUI: streams replies, can ask for a tool.

    fake = FakeAnthropic.start()          # claude runs with ANTHROPIC_BASE_URL=fake.url
    fake.prompts                          # every prompt Claude Code submitted (the ground truth)
    fake.script(Bash("touch x"))          # the next prompt is answered with a Bash tool_use

By default a prompt is answered with the text `reply N: <first line of the prompt>`. A scripted
answer is either text or `Bash(command)`; the follow-up request carrying the `tool_result` gets
`done: <the tool's output>` (a rejected tool's result comes with the next prompt, which counts).
`hold()` makes the next answers wait for `release()` after their first words, so the TUI stays in
its working state as long as a test needs. `fail(529, times)` answers the next main-loop requests with
that error status (Anthropic's "overloaded" body), as the real API does when it is overloaded.
Requests without `tools` (title, topic and other side requests) get a short text and are not logged.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from .http import ServedFake, reply

MAX_BODY = 8 * 1024 * 1024
MODEL = "claude-fake-1"


@dataclass
class Bash:
    """Answer with a tool_use of Claude Code's Bash tool (a permission dialog shows)."""

    command: str
    description: str = "Run a command"


@dataclass
class FakeAnthropic(ServedFake):
    prompts: list[str] = field(default_factory=list)  # what the person typed, in order
    tool_results: list[str] = field(default_factory=list)
    scripted: list[str | Bash] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)
    streaming: threading.Event = field(default_factory=threading.Event)  # set while a held reply waits
    failures: list[int] = field(default_factory=list)  # statuses for the next main-loop requests

    def __post_init__(self) -> None:
        self.released.set()

    def reset(self) -> None:
        with self.lock:
            self.prompts.clear()
            self.tool_results.clear()
            self.scripted.clear()
            self.failures.clear()
        self.release()

    def script(self, *answers: str | Bash) -> None:
        """The answers to the next prompts, in order (then the default again)."""
        with self.lock:
            self.scripted.extend(answers)

    def fail(self, status: int, times: int = 1) -> None:
        """Answer the next `times` main-loop requests with `status` (and Anthropic's error body)."""
        with self.lock:
            self.failures.extend([status] * times)

    def hold(self) -> None:
        self.released.clear()

    def release(self) -> None:
        self.released.set()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        if handler.command != "POST" or path not in ("/v1/messages", "/v1/messages/count_tokens"):
            reply(handler, 404, b'{"type":"error","error":{"type":"not_found_error","message":"no"}}')
            return
        length = min(int(handler.headers.get("Content-Length") or 0), MAX_BODY)
        body = json.loads(handler.rfile.read(length) or b"{}")
        if path.endswith("count_tokens"):
            reply(handler, 200, b'{"input_tokens": 12}')
            return
        if body.get("tools") and self.failures:
            with self.lock:
                status = self.failures.pop(0) if self.failures else 0
            if status:
                error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
                reply(handler, status, json.dumps(error).encode())
                return
        blocks = self._answer(body)
        if body.get("stream"):
            self._stream(handler, blocks)
        else:
            message = _message(blocks)
            reply(handler, 200, json.dumps(message).encode())

    def _answer(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        if not body.get("tools"):
            return [{"type": "text", "text": "ok"}]
        users = [m for m in body.get("messages") or [] if m.get("role") == "user"] or [{}]
        content = users[-1].get("content")  # system messages may follow it
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content or []
        typed = [
            b["text"]
            for b in blocks
            if b.get("type") == "text" and not b["text"].lstrip().startswith("<system-reminder>")
        ]
        results = [b for b in blocks if b.get("type") == "tool_result"]
        if results:
            result = results[-1].get("content")
            text = result if isinstance(result, str) else " ".join(r.get("text", "") for r in result or [])
            with self.lock:
                self.tool_results.append(text)
            if not typed:  # a rejected tool comes back with the person's next prompt in the same message
                return [{"type": "text", "text": f"done: {text.strip()[:200]}"}]
        prompt = "\n".join(typed)
        with self.lock:
            self.prompts.append(prompt)
            number = len(self.prompts)
            answer = self.scripted.pop(0) if self.scripted else None
        if isinstance(answer, Bash):
            tool_input = {"command": answer.command, "description": answer.description}
            return [
                {"type": "text", "text": "I will run a command."},
                {
                    "type": "tool_use",
                    "id": f"toolu_{uuid.uuid4().hex[:20]}",
                    "name": "Bash",
                    "input": tool_input,
                },
            ]
        first = prompt.strip().splitlines()[0] if prompt.strip() else ""
        return [{"type": "text", "text": answer if answer is not None else f"reply {number}: {first}"}]

    def _stream(self, handler: BaseHTTPRequestHandler, blocks: list[dict[str, Any]]) -> None:
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Cache-Control", "no-cache")
            handler.end_headers()
            message = _message([])
            message["stop_reason"] = None
            send = _sender(handler)
            send("message_start", {"type": "message_start", "message": message})
            for index, block in enumerate(blocks):
                if block["type"] == "text":
                    start: dict[str, Any] = {"type": "text", "text": ""}
                    words = block["text"].split(" ")
                    send(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": start},
                    )
                    for n, word in enumerate(words):
                        piece = word if n == 0 else f" {word}"
                        delta = {"type": "text_delta", "text": piece}
                        send(
                            "content_block_delta",
                            {"type": "content_block_delta", "index": index, "delta": delta},
                        )
                        if n == 0 and not self.released.is_set():
                            self.streaming.set()
                            self.released.wait(120)
                            self.streaming.clear()
                else:
                    start = {**block, "input": {}}
                    send(
                        "content_block_start",
                        {"type": "content_block_start", "index": index, "content_block": start},
                    )
                    delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
                    send(
                        "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
                    )
                send("content_block_stop", {"type": "content_block_stop", "index": index})
            stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
            send(
                "message_delta",
                {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                 "usage": {"output_tokens": 20}},
            )  # fmt: skip
            send("message_stop", {"type": "message_stop"})
        except (BrokenPipeError, ConnectionResetError):
            pass  # Claude Code went away (interrupted, or the test ended)


def _sender(handler: BaseHTTPRequestHandler) -> Any:
    def send(event: str, data: dict[str, Any]) -> None:
        handler.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
        handler.wfile.flush()

    return send


def _message(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": blocks,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 12,
            "output_tokens": 20,
            "cache_read_input_tokens": 0,
            "cache_creation_input_tokens": 0,
        },
    }
