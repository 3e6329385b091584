"""What a log shipper reads from `tmuxhub serve`: every line in one format, text or JSON."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import httpx

from tests.operations.hubs import fresh_database, serve
from tests.support.hub import free_port
from tests.support.waits import wait_until

# Celery 5.7 writes this (between blank lines) at a worker's stop straight to stdout: not a log record,
# and no setting turns it off.
CELERY_SAYS = "worker: Warm shutdown (MainProcess)"
TEXT_LINE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def serve_and_log(log_format: str, tmux_socket: str, worker: str = "--with-worker") -> list[str]:
    """The lines `tmuxhub serve` (with its embedded worker and beat) wrote from its start to its stop,
    around three requests, once the worker and beat run."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="tmuxhub-log-format-", suffix=".log")[1])
    with fresh_database() as env:
        env.update(
            TMUXHUB_LOG_FORMAT=log_format,
            TMUXHUB_PUBLIC_URL=f"http://127.0.0.1:{port}",
            TMUXHUB_TMUX_SOCKET=tmux_socket,
        )
        with serve(env, port, log_path, worker=worker) as url:
            if worker == "--with-worker":  # healthy once worker and beat sent heartbeats: both log
                wait_until(lambda: httpx.get(f"{url}/healthz", timeout=10).status_code == 200, 90, 0.5)
            httpx.get(f"{url}/healthz?code=s3cret-c0de", timeout=10)
            httpx.get(f"{url}/no-such-page", timeout=10)
            httpx.post(f"{url}/mcp", json={}, timeout=10)  # 401, from the MCP side of the hub
    return [line for line in log_path.read_text().splitlines() if line.strip() not in ("", CELERY_SAYS)]


def test_every_line_of_serve_is_one_json_object_and_the_access_log_has_fields(tmux_socket: str) -> None:
    lines = serve_and_log("json", tmux_socket)
    records = [json.loads(line) for line in lines]  # every line, uvicorn's own included
    assert all(ISO_UTC.fullmatch(r["time"]) and r["level"] and r["logger"] for r in records), lines
    loggers = {record["logger"] for record in records}
    assert {
        "tmuxhub.migrate",
        "tmuxhub.serve",
        "uvicorn.error",
        "tmuxhub.access",
        "celery.apps.worker",
    } <= loggers
    access = [record for record in records if record["logger"] == "tmuxhub.access"][-3:]  # after readiness
    assert [(r["method"], r["path"], r["status"]) for r in access] == [
        ("GET", "/healthz", 200),  # worker and beat have sent their heartbeats
        ("GET", "/no-such-page", 404),
        ("POST", "/mcp", 401),
    ]
    assert all(r["client"] == "127.0.0.1" and r["duration_ms"] >= 0 and r["bytes"] > 0 for r in access)
    assert "s3cret-c0de" not in "\n".join(lines)
    assert "color_message" not in lines[-1]


def test_every_line_of_serve_starts_with_a_utc_time_level_and_logger(tmux_socket: str) -> None:
    # Celery's records are held to the JSON test (the same formatter choice); no worker here, for time.
    lines = serve_and_log("text", tmux_socket, worker="--no-worker")
    # A record's further lines (a warning or traceback of several lines) are indented.
    assert [line for line in lines if not TEXT_LINE.match(line) and not line.startswith("  ")] == []
    assert TEXT_LINE.match(lines[0])
    access = [line for line in lines if " tmuxhub.access: " in line][-3:]  # after the readiness probes
    assert access[0].endswith(tuple(f"{digit}ms" for digit in "0123456789"))
    assert ' tmuxhub.access: 127.0.0.1 - "GET /healthz HTTP/1.1" 503 ' in access[0]  # no worker
    assert "s3cret-c0de" not in "\n".join(lines)
