"""The key a client address is counted under: IPv4 as is, IPv6 by its network (`ABUSE_IPV6_PREFIX`).

One household or server gets a whole /64 and may rotate through its 2^64 addresses, so counting
each IPv6 address alone would give every request a throttle, ban and budget of its own. Every
per-IP limit (the abuse throttles, bans and strikes, the `/register` budget) keys on this; what is
recorded and reported stays the address actually seen. It sits below the apps (accounts imports it
too) and decides nothing about who the client is: that is `abuse/clientip.py`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache


def rate_key(ip: str) -> str:
    """`ip` for IPv4 (and anything that is not an address), its `/ABUSE_IPV6_PREFIX` network for IPv6."""
    from django.conf import settings

    return _key(ip, settings.ABUSE_IPV6_PREFIX)


@lru_cache(maxsize=4096)
def _key(ip: str, v6_prefix: int) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv4Address):
        return ip
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((address, v6_prefix), strict=False))
