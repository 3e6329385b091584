"""AbuseIPDB API v2 `/report` (https://docs.abuseipdb.com/#report-endpoint).

Answers are validated against pydantic models of the fields used: what is stored is what was
validated, and an answer of another shape is an `AbuseIPDBError`, never an exception of its own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from django.conf import settings
from pydantic import BaseModel, Field, ValidationError

from .http import session


class AbuseIPDBError(Exception):
    """The report was not accepted; `retry_after` is set when trying again later makes sense."""

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        duplicate: bool = False,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.duplicate = duplicate
        self.rate_limited = rate_limited


class MissingKey(AbuseIPDBError):
    def __init__(self) -> None:
        super().__init__(
            "ABUSEIPDB_KEY is not set: create a key at https://www.abuseipdb.com/account/api, put it in "
            "ABUSEIPDB_KEY and restart tmuxhub and its worker. Collection and enrichment work without it."
        )


@dataclass
class Accepted:
    ip: str
    confidence: int | None
    body: dict[str, Any]


class ReportData(BaseModel):
    ip_address: str = Field(alias="ipAddress", max_length=64)
    abuse_confidence_score: int | None = Field(default=None, alias="abuseConfidenceScore")


class ReportAnswer(BaseModel):
    data: ReportData


class ErrorItem(BaseModel):
    detail: str


class ErrorAnswer(BaseModel):
    errors: list[ErrorItem]


def _errors(body: Any) -> str:
    try:
        return "; ".join(e.detail for e in ErrorAnswer.model_validate(body).errors)[:500]
    except ValidationError:
        return ""


def report(ip: str, categories: list[int], comment: str, timestamp: datetime) -> Accepted:
    if not settings.ABUSEIPDB_KEY:
        raise MissingKey()
    url = f"{settings.ABUSEIPDB_URL.rstrip('/')}/report"
    form = {
        "ip": ip,
        "categories": ",".join(str(c) for c in categories),
        "comment": comment[:1024],
        "timestamp": timestamp.isoformat(timespec="seconds"),
    }
    headers = {"Key": settings.ABUSEIPDB_KEY, "Accept": "application/json"}
    with session(retry_reads=False) as http:
        try:
            response = http.post(url, data=form, headers=headers, timeout=settings.TMUXHUB_HTTP_TIMEOUT)
        except requests.RequestException as error:
            raise AbuseIPDBError(
                f"AbuseIPDB did not answer ({type(error).__name__})", retry_after=60
            ) from error
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code == 200:
        try:
            answer = ReportAnswer.model_validate(body)
        except ValidationError:
            # Something between us mangled the answer: the report may have arrived. A retry finds out,
            # as AbuseIPDB refuses a second report of the IP (and that refusal marks it sent).
            raise AbuseIPDBError(
                "AbuseIPDB answered 200 with a body that is not its JSON", retry_after=60
            ) from None
        return Accepted(
            ip=answer.data.ip_address,
            confidence=answer.data.abuse_confidence_score,
            body=answer.model_dump(by_alias=True),
        )
    detail = _errors(body) or f"HTTP {response.status_code}"
    if response.status_code == 429:
        if "once in 15 minutes" in detail:
            # AbuseIPDB already holds a report of ours for this IP: an earlier attempt got through.
            raise AbuseIPDBError(detail, duplicate=True)
        retry_after = _seconds(response.headers.get("Retry-After")) or 3600
        raise AbuseIPDBError(f"AbuseIPDB rate limit: {detail}", retry_after=retry_after, rate_limited=True)
    if response.status_code >= 500:
        raise AbuseIPDBError(f"AbuseIPDB failed: {detail}", retry_after=300)
    # 401/403 (key), 422 (bad parameters): retrying the same request cannot help.
    raise AbuseIPDBError(f"AbuseIPDB refused the report: {detail}")


def _seconds(value: str | None) -> float | None:
    try:
        return max(1.0, float(value)) if value else None
    except ValueError:
        return None
