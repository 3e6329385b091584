"""One `requests` session per external service: timeouts always, retries only where they are safe."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def session(*, retry_reads: bool) -> requests.Session:
    """`retry_reads` also retries GETs on 5xx; a POST is only retried when it never connected."""
    retry = Retry(
        total=2,
        connect=2,
        read=2 if retry_reads else 0,
        status=2 if retry_reads else 0,
        status_forcelist=(502, 503, 504) if retry_reads else (),
        allowed_methods=frozenset({"GET"}),
        backoff_factor=0.3,
        respect_retry_after_header=False,
        raise_on_status=False,
    )
    http = requests.Session()
    http.mount("http://", HTTPAdapter(max_retries=retry))
    http.mount("https://", HTTPAdapter(max_retries=retry))
    http.headers["User-Agent"] = "tmuxhub-abuse/1"
    return http
