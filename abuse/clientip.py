"""The client's IP: the socket peer, or X-Forwarded-For when (and only as far as) proxies we trust added it.

X-Forwarded-For is read right to left: each trusted proxy appended the address it saw, so the first
address from the right that is not a trusted proxy is the client. Anything left of it was written
by the client and proves nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_FORWARDED_HOPS = 20


def parse_ip(text: str) -> IPAddress | None:
    """A canonical address from `text`, or None. Accepts `[v6]:port` and `v4:port`; refuses zones."""
    text = text.strip()
    if text.startswith("["):
        end = text.find("]")
        if end == -1:
            return None
        text = text[1:end]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    if not text or "%" in text or len(text) > 45:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as networks; a bad entry is a configuration error worth failing on."""
    networks = []
    for entry in entries:
        entry = entry.strip()
        if entry:
            networks.append(ipaddress.ip_network(entry, strict=False))
    return tuple(networks)


def _trusted(address: IPAddress, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(scope: dict[str, Any], proxies: Sequence[Network]) -> str | None:
    """The client address of an ASGI HTTP scope as a canonical string (None for a unix socket peer)."""
    peer_info = scope.get("client")
    peer = parse_ip(str(peer_info[0])) if peer_info else None
    if peer is None:
        return None
    if not proxies or not _trusted(peer, proxies):
        return str(peer)
    hops: list[str] = []
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            hops.extend(value.decode("latin-1").split(","))
    client = peer
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        address = parse_ip(hop)
        if address is None:
            # Garbage where a trusted proxy should have written an address: stop at the last good hop.
            break
        client = address
        if not _trusted(address, proxies):
            break
    return str(client)


FORWARDING_HEADERS = (b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host", b"forwarded")


def drop_untrusted_forwarding(scope: dict[str, Any], proxies: Sequence[Network]) -> dict[str, Any]:
    """The scope without forwarding headers unless its peer is a trusted proxy: Django believes
    X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER), which any direct client could otherwise set."""
    peer_info = scope.get("client")
    peer = parse_ip(str(peer_info[0])) if peer_info else None
    if peer is not None and proxies and _trusted(peer, proxies):
        return scope
    headers = scope.get("headers", ())
    if not any(name in FORWARDING_HEADERS for name, _ in headers):
        return scope
    return {**scope, "headers": [(name, value) for name, value in headers if name not in FORWARDING_HEADERS]}
