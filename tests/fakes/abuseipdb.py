"""A fake AbuseIPDB API v2 `/report` (https://docs.abuseipdb.com/#report-endpoint) in the real shapes:
`{"data": {...}}` on success, `{"errors": [{"detail", "status"}]}` otherwise, one report per IP per 15
minutes (429), a daily limit (429 with Retry-After and X-RateLimit-* headers), and a way to hold a
request in flight so a test can kill the worker that sent it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from .http import ServedFake, reply

KEY = "fake-abuseipdb-key"


@dataclass
class Received:
    ip: str
    categories: str
    comment: str
    timestamp: str
    accepted: bool
    at: float = field(default_factory=time.monotonic)


@dataclass
class FakeAbuseIPDB(ServedFake):
    daily_limit: int = 1000
    received: list[Received] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)  # statuses to answer before behaving again
    garble_next: int = 0  # answers (of accepted reports) to mangle into a 200 that is not its JSON
    garble_with: bytes = b"<html>502 Bad Gateway</html>"
    hold: threading.Event | None = None  # while set, requests wait here (max 30 s) before answering
    # One report per IP per this many seconds; a test sets 0 to be "15 minutes later".
    duplicate_window: float = 15 * 60
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def accepted(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.accepted]

    def reset(self) -> None:
        with self.lock:
            self.daily_limit = 1000
            self.received.clear()
            self.fail_next.clear()
            self.garble_next = 0
            self.garble_with = b"<html>502 Bad Gateway</html>"
            self.hold = None
            self.duplicate_window = 15 * 60
            self.arrived.clear()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:  # noqa: C901 (too complex: to be split, issue 18)
        if handler.command != "POST" or handler.path.split("?")[0].rstrip("/") != "/report":
            reply(handler, 404, json.dumps({"errors": [{"detail": "Not found.", "status": 404}]}).encode())
            return
        length = min(int(handler.headers.get("Content-Length") or 0), 64 * 1024)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        if handler.headers.get("Key") != KEY:
            detail = (
                "Authentication failed. Your API key is either missing, incorrect, or revoked. "
                "Note: The APIv2 key differs from the APIv1 key."
            )
            reply(handler, 401, json.dumps({"errors": [{"detail": detail, "status": 401}]}).encode())
            return
        ip = form.get("ip", "")
        with self.lock:
            hold = self.hold
            forced = self.fail_next.pop(0) if self.fail_next else None
            garbled = self.garble_next > 0
            self.garble_next -= garbled
            since = time.monotonic() - self.duplicate_window
            duplicate = any(r.ip == ip and r.accepted and r.at > since for r in self.received)
            over_limit = len(self.received) >= self.daily_limit
            record = Received(
                ip, form.get("categories", ""), form.get("comment", ""), form.get("timestamp", ""), False
            )
            self.received.append(record)
            if not (forced or duplicate or over_limit or not ip):
                # The report exists once the request arrived, whether or not the answer gets back.
                record.accepted = True
        self.arrived.set()
        if hold is not None:
            deadline = time.monotonic() + 30
            while hold.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
        if garbled and record.accepted:
            reply(handler, 200, self.garble_with)
        elif forced:
            reply(
                handler,
                forced,
                json.dumps({"errors": [{"detail": "Server error.", "status": forced}]}).encode(),
            )
        elif over_limit:
            reset = int(time.time()) + 3600
            detail = (
                f"Daily rate limit of {self.daily_limit} requests exceeded for this endpoint. "
                "See headers for additional details."
            )
            headers = {
                "Retry-After": "3600",
                "X-RateLimit-Limit": str(self.daily_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            }
            reply(handler, 429, json.dumps({"errors": [{"detail": detail, "status": 429}]}).encode(), headers)
        elif duplicate:
            detail = f"You can only report the same IP address (`{ip}`) once in 15 minutes."
            body = {"errors": [{"detail": detail, "status": 429, "source": {"parameter": "ip"}}]}
            reply(handler, 429, json.dumps(body).encode())
        elif not ip:
            body = {
                "errors": [
                    {"detail": "The ip field is required.", "status": 422, "source": {"parameter": "ip"}}
                ]
            }
            reply(handler, 422, json.dumps(body).encode())
        else:
            remaining = max(0, self.daily_limit - len(self.received))
            headers = {"X-RateLimit-Limit": str(self.daily_limit), "X-RateLimit-Remaining": str(remaining)}
            accepted = {"data": {"ipAddress": ip, "abuseConfidenceScore": 52}}
            reply(handler, 200, json.dumps(accepted).encode(), headers)
