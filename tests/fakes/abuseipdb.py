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
Answer = tuple[int, bytes, dict[str, str]]  # status, body, headers


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

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        if handler.command != "POST" or handler.path.split("?")[0].rstrip("/") != "/report":
            reply(handler, 404, _errors("Not found.", 404))
            return
        length = min(int(handler.headers.get("Content-Length") or 0), 64 * 1024)
        form = {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}
        if handler.headers.get("Key") != KEY:
            detail = (
                "Authentication failed. Your API key is either missing, incorrect, or revoked. "
                "Note: The APIv2 key differs from the APIv1 key."
            )
            reply(handler, 401, _errors(detail, 401))
            return
        hold, answer = self._receive(form)
        self.arrived.set()
        if hold is not None:
            deadline = time.monotonic() + 30
            while hold.is_set() and time.monotonic() < deadline:
                time.sleep(0.05)
        reply(handler, *answer)

    def _receive(self, form: dict[str, str]) -> tuple[threading.Event | None, Answer]:
        """Record one report and decide the answer, as AbuseIPDB would at the moment it arrived."""
        ip = form.get("ip", "")
        with self.lock:
            forced = self.fail_next.pop(0) if self.fail_next else None
            garbled = self.garble_next > 0
            self.garble_next -= garbled
            since = time.monotonic() - self.duplicate_window
            duplicate = any(r.ip == ip and r.accepted and r.at > since for r in self.received)
            over_limit = len(self.received) >= self.daily_limit
            # The report exists once the request arrived, whether or not the answer gets back.
            accepted = not (forced or duplicate or over_limit or not ip)
            self.received.append(
                Received(
                    ip,
                    form.get("categories", ""),
                    form.get("comment", ""),
                    form.get("timestamp", ""),
                    accepted,
                )
            )
            remaining = max(0, self.daily_limit - len(self.received))
            return self.hold, self._answer(ip, forced, garbled and accepted, duplicate, over_limit, remaining)

    def _answer(
        self, ip: str, forced: int | None, garbled: bool, duplicate: bool, over_limit: bool, remaining: int
    ) -> Answer:
        if garbled:
            return 200, self.garble_with, {}
        if forced:
            return forced, _errors("Server error.", forced), {}
        if over_limit:
            detail = (
                f"Daily rate limit of {self.daily_limit} requests exceeded for this endpoint. "
                "See headers for additional details."
            )
            headers = {
                "Retry-After": "3600",
                "X-RateLimit-Limit": str(self.daily_limit),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + 3600),
            }
            return 429, _errors(detail, 429), headers
        if duplicate:
            detail = f"You can only report the same IP address (`{ip}`) once in 15 minutes."
            return 429, _errors(detail, 429, parameter="ip"), {}
        if not ip:
            return 422, _errors("The ip field is required.", 422, parameter="ip"), {}
        headers = {"X-RateLimit-Limit": str(self.daily_limit), "X-RateLimit-Remaining": str(remaining)}
        return 200, json.dumps({"data": {"ipAddress": ip, "abuseConfidenceScore": 52}}).encode(), headers


def _errors(detail: str, status: int, parameter: str = "") -> bytes:
    """AbuseIPDB's error body."""
    error: dict[str, object] = {"detail": detail, "status": status}
    if parameter:
        error["source"] = {"parameter": parameter}
    return json.dumps({"errors": [error]}).encode()
