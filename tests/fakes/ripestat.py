"""A fake RIPE Stat Data API answering `prefix-overview`, `maxmind-geo-lite` and `abuse-contact-finder`
in the real shapes (https://stat.ripe.net/docs/data_api), including its error and 429 answers."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .http import ServedFake, reply

HANG_SECONDS = 5


@dataclass
class Network:
    prefix: str = "203.0.113.0/24"
    asn: int = 64500
    holder: str = "EXAMPLE-AS - Example Hosting Ltd"
    country: str = "NL"
    abuse_contact: str = "abuse@example.net"
    rir: str = "ripe"
    block_desc: str = "RIPE NCC (Status: ALLOCATED)"


@dataclass
class FakeRipeStat(ServedFake):
    network: Network = field(default_factory=Network)
    # endpoint -> "error" (status error, HTTP 400), "500", "429", "garbage", "odd" (status ok, but the
    # fields have other types) or "hang" (answers after HANG_SECONDS, long after any client timeout)
    failing: dict[str, str] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.network = Network()
            self.failing.clear()
            self.requests.clear()

    def calls(self, endpoint: str) -> list[str]:
        with self.lock:
            return [ip for name, ip in self.requests if name == endpoint]

    def _envelope(self, endpoint: str, resource: str, data: dict[str, object]) -> dict[str, object]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
        return {
            "messages": [],
            "see_also": [],
            "version": "1.3",
            "data_call_name": endpoint,
            "data_call_status": "supported",
            "cached": False,
            "data": data,
            "query_id": "20261125000000-fake",
            "process_time": 12,
            "server_id": "app000",
            "build_version": "live.2026.11.1.1",
            "status": "ok",
            "status_code": 200,
            "time": now,
        }

    def _data(self, endpoint: str, resource: str) -> dict[str, object]:
        net = self.network
        if endpoint == "prefix-overview":
            return {
                "is_less_specific": False,
                "announced": True,
                "asns": [{"asn": net.asn, "holder": net.holder}],
                "related_prefixes": [],
                "resource": net.prefix,
                "type": "prefix",
                "block": {
                    "resource": "203.0.0.0/8",
                    "desc": net.block_desc,
                    "name": "IANA IPv4 Address Space Registry",
                },
                "actual_num_related": 0,
                "query_time": "2026-11-25T00:00:00",
                "num_filtered_out": 0,
            }
        if endpoint == "maxmind-geo-lite":
            return {
                "located_resources": [
                    {
                        "resource": net.prefix,
                        "locations": [
                            {
                                "country": net.country,
                                "city": "",
                                "resources": [net.prefix],
                                "latitude": 52.38,
                                "longitude": 4.89,
                                "covered_percentage": 100,
                            }
                        ],
                    }
                ],
                "result_time": "2026-11-01T00:00:00",
                "parameters": {"resource": resource, "resolution": "0", "cache": None},
                "latest_time": "2026-11-01T00:00:00",
                "earliest_time": "2026-11-01T00:00:00",
            }
        return {
            "abuse_contacts": [net.abuse_contact],
            "authoritative_rir": net.rir,
            "lookup_time": "2026-11-25T00:00:00",
            "holder_info": None,
            "latest_time": "2026-11-25T00:00:00",
            "earliest_time": "2026-11-25T00:00:00",
            "parameters": {"resource": resource, "cache": None},
        }

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        endpoint = parts.path.strip("/").removesuffix("/data.json")
        resource = parse_qs(parts.query).get("resource", [""])[0]
        with self.lock:
            self.requests.append((endpoint, resource))
            mode = self.failing.get(endpoint, "")
        if endpoint not in ("prefix-overview", "maxmind-geo-lite", "abuse-contact-finder"):
            reply(
                handler,
                404,
                b'{"status": "error", "status_code": 404, "messages": [["error", "no such data call"]]}',
            )
            return
        if mode == "hang":
            time.sleep(HANG_SECONDS)
        if mode == "500":
            reply(handler, 500, b"<html>Internal Server Error</html>")
            return
        if mode == "429":
            body = {
                "status": "error",
                "status_code": 429,
                "messages": [["error", "Too many requests"]],
                "data": {},
            }
            reply(handler, 429, json.dumps(body).encode(), {"Retry-After": "30"})
            return
        if mode == "garbage":
            reply(handler, 200, b"not json")
            return
        if mode == "odd":
            odd: dict[str, dict[str, object]] = {
                "prefix-overview": {"asns": ["x"], "resource": ["x"], "block": "x"},
                "maxmind-geo-lite": {"located_resources": ["x"]},
                "abuse-contact-finder": {"abuse_contacts": [["x"]], "authoritative_rir": 5},
            }
            reply(handler, 200, json.dumps(self._envelope(endpoint, resource, odd[endpoint])).encode())
            return
        if mode == "error" or not resource:
            body = {
                "status": "error",
                "status_code": 400,
                "messages": [["error", f"Invalid resource '{resource}'"]],
                "data": {},
                "data_call_name": endpoint,
            }
            reply(handler, 400, json.dumps(body).encode())
            return
        body = self._envelope(endpoint, resource, self._data(endpoint, resource))
        reply(handler, 200, json.dumps(body).encode())
