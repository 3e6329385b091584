"""Requests as the hub's trusted proxy would forward them: the test process is the proxy."""

from __future__ import annotations

import httpx

from tests.support.hub import Hub


def get(hub: Hub, path: str, ip: str, token: str | None = None, peer: str | None = None) -> httpx.Response:
    """GET through the "proxy" (this process) for client `ip`; `peer` binds the socket to another
    loopback address, to be a different direct client."""
    headers = {"X-Forwarded-For": ip, "User-Agent": "abuse-test"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    transport = httpx.HTTPTransport(local_address=peer) if peer else None
    with httpx.Client(transport=transport, timeout=10) as client:
        return client.get(f"{hub.url}{path}", headers=headers)
