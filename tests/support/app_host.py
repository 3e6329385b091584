"""A real MCP Apps host for the terminal view's tests (issue 27): ext-apps' own host side, `AppBridge`,
in a page of headless Chromium, with the official TypeScript MCP client talking to the hub.

npm installs the pinned packages into a cache folder outside the checkout (`tmuxhub.lib.npm`) and esbuild
bundles the host's imports into one script, once. `Gateway` serves the host page (`app_host.html`) and
that script on a loopback port and forwards the page's `/mcp` requests to the hub with the person's
bearer token, as a host's backend does: the page and its MCP client then share one origin. It also
counts the tool calls that pass, by tool name (the view's own looks among them).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tmuxhub.lib import npm

EXT_APPS = "2.0.4"
PACKAGES = (
    f"@modelcontextprotocol/ext-apps@{EXT_APPS}",
    "@modelcontextprotocol/client@2.4.0",
    "@modelcontextprotocol/core@2.4.0",
    "zod@4.6.7",
    "esbuild@0.25.12",
)
PREFIX = npm.CACHE / f"ext-apps-host-{EXT_APPS}"
BUNDLE = PREFIX / "host.js"
ENTRY = """\
export { AppBridge, PostMessageTransport } from "@modelcontextprotocol/ext-apps/app-bridge";
export { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
"""
PAGE = Path(__file__).with_name("app_host.html")
FORWARDED = ("content-type", "accept", "mcp-protocol-version", "mcp-session-id", "last-event-id")
ANSWERED = ("content-type", "mcp-session-id", "mcp-protocol-version")


def _installed() -> bool:
    return all(
        (PREFIX / "node_modules" / spec.rsplit("@", 1)[0] / "package.json").exists() for spec in PACKAGES
    )


def ensure_bundle() -> Path:
    """The host's script: AppBridge and the MCP client in one ES module for the browser."""
    npm.install(PREFIX, PACKAGES, _installed)
    if not BUNDLE.exists():
        entry = PREFIX / "host-entry.mjs"
        entry.write_text(ENTRY)
        partial = BUNDLE.with_suffix(".partial.js")
        subprocess.run(
            [str(PREFIX / "node_modules" / ".bin" / "esbuild"), str(entry), "--bundle", "--format=esm",
             "--platform=browser", f"--outfile={partial}", "--log-level=warning"],
            check=True, timeout=120,
        )  # fmt: skip
        partial.replace(BUNDLE)  # atomic: a concurrent run sees the whole file or none
    return BUNDLE


@dataclass
class Gateway:
    url: str
    calls: Counter[str] = field(default_factory=Counter)


def _count(calls: Counter[str], body: bytes) -> None:
    if not body:
        return
    messages = json.loads(body)
    for message in messages if isinstance(messages, list) else [messages]:
        if message.get("method") == "tools/call":
            calls[message["params"]["name"]] += 1


class _Handler(BaseHTTPRequestHandler):
    """Serves one gateway: `serve` makes a subclass that fills in these."""

    gateway: Gateway
    mcp_url: str
    token: str
    bundle: bytes
    client: httpx.Client

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # the page went away (a closed listen stream)
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/":
            self._send(200, PAGE.read_bytes(), {"Content-Type": "text/html; charset=utf-8"})
        elif self.path == "/host.js":
            self._send(200, self.bundle, {"Content-Type": "text/javascript"})
        else:
            self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def _forward(self) -> None:
        if self.path.split("?")[0] != "/mcp":
            self._send(404, b"", {})
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _count(self.gateway.calls, body)
        headers = {name: self.headers[name] for name in FORWARDED if self.headers.get(name)}
        headers["Authorization"] = f"Bearer {self.token}"
        try:
            answer = self.client.request(self.command, self.mcp_url, content=body, headers=headers)
        except httpx.HTTPError:  # a stream the hub closed (the client's GET listen): as a host would
            self._send(502, b"", {})
            return
        kept = {name: answer.headers[name] for name in ANSWERED if name in answer.headers}
        self._send(answer.status_code, answer.content, kept)


@contextmanager
def serve(mcp_url: str, token: str) -> Iterator[Gateway]:
    """The host page on a loopback port, its MCP requests forwarded to `mcp_url` as `token`'s owner."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    gateway = Gateway(url=f"http://127.0.0.1:{server.server_address[1]}")
    client = httpx.Client(timeout=60)
    settings = {"gateway": gateway, "mcp_url": mcp_url, "token": token, "client": client}
    server.RequestHandlerClass = type(
        "Handler", (_Handler,), {**settings, "bundle": ensure_bundle().read_bytes()}
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="app-host-gateway", daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        client.close()


if __name__ == "__main__":  # `make test` installs and bundles the host before the tests run
    print(ensure_bundle())
