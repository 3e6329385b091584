"""Requests built to hurt: huge or endless bodies, deep JSON, bytes that are not UTF-8, huge headers,
bodies sent a byte at a time. Each is refused with the status that says why, in bounded
time, and the hub keeps answering."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.hub import Hub, start_hub

pytestmark = pytest.mark.django_db(transaction=True)

MAX_BODY = 64 * 1024
BODY_SECONDS = 2
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def strict_hub(django_db_setup: None, tmux_socket: str) -> Iterator[Hub]:
    env = {"TMUXHUB_MAX_BODY_BYTES": str(MAX_BODY), "TMUXHUB_BODY_SECONDS": str(BODY_SECONDS)}
    with start_hub(tmux_socket=tmux_socket, extra_env=env) as hub:
        yield hub


@pytest.fixture
def strict_token(make_user, make_token, strict_hub: Hub) -> str:
    return make_token(make_user("hostile"), resource=strict_hub.mcp_url)


def connect(hub: Hub) -> socket.socket:
    parts = urlsplit(hub.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=15)
    return sock


def status_of(sock: socket.socket) -> int:
    """The status of the answer on `sock` (0 if the server closed without one)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return 0
        data += chunk
    return int(data.split(b" ", 2)[1])


def head(hub: Hub, method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {urlsplit(hub.url).netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def still_up(hub: Hub) -> bool:
    return httpx.get(f"{hub.url}/healthz", timeout=10).status_code in (200, 503)


@pytest.mark.parametrize("path", ["/mcp", "/token", "/register", "/accounts/login/"])
def test_a_declared_oversized_body_is_refused_before_it_is_sent(strict_hub, path) -> None:
    with connect(strict_hub) as sock:
        sock.sendall(head(strict_hub, "POST", path, {"Content-Length": str(10**9), **MCP_HEADERS}))
        assert status_of(sock) == 413
    assert still_up(strict_hub)


def test_an_endless_chunked_body_is_cut_off_at_the_limit(strict_hub, strict_token) -> None:
    headers = {"Transfer-Encoding": "chunked", "Authorization": f"Bearer {strict_token}", **MCP_HEADERS}
    chunk = b"8000\r\n" + b" " * 0x8000 + b"\r\n"
    with connect(strict_hub) as sock:
        sock.sendall(head(strict_hub, "POST", "/mcp", headers))
        sent = 0
        try:
            while sent < 100 * MAX_BODY:
                sock.sendall(chunk)
                sent += 0x8000
        except OSError:
            pass  # the server stopped reading and closed: what it answered is checked below
        assert status_of(sock) == 413
    assert still_up(strict_hub)


@pytest.mark.timing
def test_a_body_sent_a_byte_at_a_time_gets_408(strict_hub) -> None:
    with connect(strict_hub) as sock:
        sock.sendall(head(strict_hub, "POST", "/token", {"Content-Length": "1000"}))
        started = time.monotonic()
        sock.settimeout(0.5)
        answer = 0
        while not answer and time.monotonic() - started < BODY_SECONDS + 5:
            try:
                sock.sendall(b"a")
                answer = status_of(sock)
            except TimeoutError:
                continue
        assert answer == 408
        assert time.monotonic() - started < BODY_SECONDS + 2
    assert still_up(strict_hub)


def test_deeply_nested_json_is_a_parse_error_not_a_crash(strict_hub, strict_token) -> None:
    depth = 20_000
    body = (
        b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ' + b"[" * depth + b"]" * depth + b"}"
    )
    answer = httpx.post(
        strict_hub.mcp_url,
        content=body,
        headers={"Authorization": f"Bearer {strict_token}", **MCP_HEADERS},
        timeout=15,
    )
    assert answer.status_code == 400
    assert "Traceback" not in answer.text
    assert still_up(strict_hub)


@pytest.mark.parametrize("path", ["/mcp", "/token", "/register"])
def test_bytes_that_are_not_utf8_are_a_400(strict_hub, strict_token, path) -> None:
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "capture_pane"}}
    body = json.dumps(call).encode().replace(b'"capture_pane"', b'"\xff\xfe\xc0\xaf"')
    content_type = "application/x-www-form-urlencoded" if path == "/token" else "application/json"
    answer = httpx.post(
        f"{strict_hub.url}{path}",
        content=body if path != "/token" else b"grant_type=\xff\xfe&code=\xc0\xaf",
        headers={**MCP_HEADERS, "Content-Type": content_type, "Authorization": f"Bearer {strict_token}"},
        timeout=15,
    )
    assert answer.status_code in (400, 401), answer.text
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "headers",
    [{"X-Huge": "a" * 200_000}, {f"X-Many-{i}": "b" * 100 for i in range(2000)}],
    ids=["one huge header", "thousands of headers"],
)
def test_huge_headers_are_refused(strict_hub, headers) -> None:
    with connect(strict_hub) as sock:
        sock.sendall(head(strict_hub, "GET", "/healthz", headers))
        status = status_of(sock)
    assert status == 431
    assert still_up(strict_hub)
