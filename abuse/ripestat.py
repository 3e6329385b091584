"""RIPE Stat Data API: who announces an IP, where it is, and its abuse mailbox.

https://stat.ripe.net/docs/data_api — every answer is `{"status": "ok", "data": {...}, ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

from .http import session

UNKNOWN = "unknown"


class RipeStatError(Exception):
    pass


class RipeStatUnreachable(RipeStatError):
    """No answer at all (timeout, refused): asking the other endpoints would wait as long again."""


@dataclass
class Lookup:
    asn: str = UNKNOWN
    holder: str = UNKNOWN
    prefix: str = UNKNOWN
    country: str = UNKNOWN
    rir: str = UNKNOWN
    abuse_contact: str = UNKNOWN
    errors: list[str] = field(default_factory=list)


def _fetch(http: requests.Session, endpoint: str, ip: str) -> dict[str, Any]:
    url = f"{settings.RIPESTAT_URL.rstrip('/')}/{endpoint}/data.json"
    try:
        response = http.get(
            url, params={"resource": ip, "sourceapp": "tmuxhub"}, timeout=settings.HTTP_TIMEOUT
        )
    except requests.RequestException as error:
        raise RipeStatUnreachable(f"{endpoint}: {type(error).__name__}") from error
    if response.status_code != 200:
        raise RipeStatError(f"{endpoint}: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as error:
        raise RipeStatError(f"{endpoint}: not JSON") from error
    if not isinstance(body, dict) or body.get("status") != "ok" or not isinstance(body.get("data"), dict):
        status = body.get("status") if isinstance(body, dict) else type(body).__name__
        raise RipeStatError(f"{endpoint}: status {status}")
    return body["data"]


def _text(value: Any, limit: int) -> str:
    return str(value)[:limit] if value not in (None, "") else UNKNOWN


def lookup(ip: str) -> Lookup:  # noqa: C901 (too complex: to be split, issue 18)
    """Ask the three endpoints; each failure is noted in `errors` and leaves its fields unknown.
    Once RIPE Stat does not answer at all, the endpoints after it are skipped: a hanging RIPE Stat
    costs one endpoint's retries (~3 x HTTP_TIMEOUT), not nine timeouts, inside the task's limit."""
    result = Lookup()
    with session(retry_reads=True) as http:
        unreachable = ""

        def _data(http: requests.Session, endpoint: str, ip: str) -> dict[str, Any]:
            nonlocal unreachable
            if unreachable:
                raise RipeStatError(f"{endpoint}: skipped, {unreachable} did not answer")
            try:
                return _fetch(http, endpoint, ip)
            except RipeStatUnreachable:
                unreachable = endpoint
                raise

        try:
            data = _data(http, "prefix-overview", ip)
            asns = data.get("asns") or []
            if asns and isinstance(asns[0], dict):
                result.asn = _text(f"AS{asns[0].get('asn')}" if asns[0].get("asn") else None, 32)
                result.holder = _text(asns[0].get("holder"), 255)
            result.prefix = _text(data.get("resource"), 64)
            block = data.get("block") or {}
            if isinstance(block, dict) and block.get("desc"):
                # "RIPE NCC (Status: ALLOCATED)" -> "RIPE NCC"
                result.rir = _text(str(block["desc"]).split(" (")[0], 32)
        except RipeStatError as error:
            result.errors.append(str(error))
        try:
            data = _data(http, "maxmind-geo-lite", ip)
            for located in data.get("located_resources") or []:
                for location in located.get("locations") or []:
                    if location.get("country"):
                        result.country = _text(location["country"], 8)
                        break
                if result.country != UNKNOWN:
                    break
        except RipeStatError as error:
            result.errors.append(str(error))
        try:
            data = _data(http, "abuse-contact-finder", ip)
            contacts = data.get("abuse_contacts") or []
            if contacts:
                result.abuse_contact = _text(contacts[0], 255)
            if data.get("authoritative_rir"):
                result.rir = _text(str(data["authoritative_rir"]).upper(), 32)
        except RipeStatError as error:
            result.errors.append(str(error))
    return result
