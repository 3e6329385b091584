"""RIPE Stat Data API: who announces an IP, where it is, and its abuse mailbox.

https://stat.ripe.net/docs/data_api — every answer is `{"status": "ok", "data": {...}, ...}`. Each answer
is validated against pydantic models of the fields used: an answer of another shape is an error of that
endpoint (its fields stay unknown), never an exception and never a stringified oddity stored as a value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import requests
import urllib3.exceptions
from django.conf import settings
from pydantic import BaseModel, ValidationError

from .http import session

UNKNOWN = "unknown"
FIELD_LIMITS = {"asn": 32, "holder": 255, "prefix": 64, "country": 8, "rir": 32, "abuse_contact": 255}


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


# --- The fields used, per endpoint ----------------------------------------------------------------


class Asn(BaseModel):
    asn: int
    holder: str | None = None


class Block(BaseModel):
    desc: str | None = None


class PrefixOverview(BaseModel):
    asns: list[Asn] = []
    resource: str | None = None
    block: Block | None = None


class Location(BaseModel):
    country: str | None = None


class LocatedResource(BaseModel):
    locations: list[Location] = []


class GeoLite(BaseModel):
    located_resources: list[LocatedResource] = []


class AbuseContacts(BaseModel):
    abuse_contacts: list[str] = []
    authoritative_rir: str | None = None


Data = TypeVar("Data", bound=BaseModel)


class Answer(BaseModel):
    status: Literal["ok"]
    data: dict[str, Any]


def _prefix_fields(data: PrefixOverview) -> dict[str, str | None]:
    first = data.asns[0] if data.asns else None
    desc = data.block.desc if data.block else None
    return {
        "asn": f"AS{first.asn}" if first else None,
        "holder": first.holder if first else None,
        "prefix": data.resource,
        "rir": desc.split(" (")[0] if desc else None,  # "RIPE NCC (Status: ALLOCATED)" -> "RIPE NCC"
    }


def _geo_fields(data: GeoLite) -> dict[str, str | None]:
    countries = (loc.country for res in data.located_resources for loc in res.locations if loc.country)
    return {"country": next(countries, None)}


def _contact_fields(data: AbuseContacts) -> dict[str, str | None]:
    rir = data.authoritative_rir
    return {"abuse_contact": next(iter(data.abuse_contacts), None), "rir": rir.upper() if rir else None}


ENDPOINTS: tuple[tuple[str, type[Any], Callable[[Any], dict[str, str | None]]], ...] = (
    ("prefix-overview", PrefixOverview, _prefix_fields),
    ("maxmind-geo-lite", GeoLite, _geo_fields),
    ("abuse-contact-finder", AbuseContacts, _contact_fields),
)


# --- HTTP -----------------------------------------------------------------------------------------


def _no_answer(error: requests.RequestException) -> str:
    """Say "timed out" when it did: after retries, requests reports a timeout as a ConnectionError."""
    reason = getattr(error.args[0], "reason", None) if error.args else None
    if isinstance(error, requests.Timeout) or isinstance(reason, urllib3.exceptions.TimeoutError):
        return f"timed out (no answer within {settings.TMUXHUB_HTTP_TIMEOUT:g} s)"
    return f"no answer ({type(reason or error).__name__})"


def _fetch(http: requests.Session, endpoint: str, ip: str, model: type[Data]) -> Data:
    url = f"{settings.RIPESTAT_URL.rstrip('/')}/{endpoint}/data.json"
    try:
        response = http.get(
            url, params={"resource": ip, "sourceapp": "tmuxhub"}, timeout=settings.TMUXHUB_HTTP_TIMEOUT
        )
    except requests.RequestException as error:
        raise RipeStatUnreachable(f"{endpoint}: {_no_answer(error)}") from error
    if response.status_code != 200:
        raise RipeStatError(f"{endpoint}: HTTP {response.status_code}")
    try:
        body = response.json()
    except ValueError as error:
        raise RipeStatError(f"{endpoint}: not JSON") from error
    if isinstance(body, dict) and body.get("status") != "ok":
        raise RipeStatError(f"{endpoint}: status {str(body.get('status'))[:40]}")
    try:
        return model.model_validate(Answer.model_validate(body).data)
    except ValidationError as error:
        where = sorted({".".join(str(part) for part in e["loc"]) or "top level" for e in error.errors()})
        raise RipeStatError(f"{endpoint}: unexpected answer (at {', '.join(where)[:200]})") from None


def lookup(ip: str) -> Lookup:
    """Ask the three endpoints; each failure is noted in `errors` and leaves its fields unknown.
    Once RIPE Stat does not answer at all, the endpoints after it are skipped: a hanging RIPE Stat
    costs one endpoint's retries (~3 x TMUXHUB_HTTP_TIMEOUT), not nine timeouts, inside the task's limit."""
    result = Lookup()
    unreachable = ""
    with session(retry_reads=True) as http:
        for endpoint, model, fields_of in ENDPOINTS:
            if unreachable:
                result.errors.append(f"{endpoint}: skipped, {unreachable} did not answer")
                continue
            try:
                data = _fetch(http, endpoint, ip, model)
            except RipeStatError as error:
                unreachable = endpoint if isinstance(error, RipeStatUnreachable) else ""
                result.errors.append(str(error))
                continue
            for name, value in fields_of(data).items():
                if value:
                    setattr(result, name, value[: FIELD_LIMITS[name]])
    return result
