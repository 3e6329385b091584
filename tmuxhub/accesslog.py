"""The access log: one line per request, naming the client (not a proxy), without query strings.

uvicorn's own access log names the socket peer (behind nginx, always the proxy: it logs before the
rate limiter decides who the client is, from a scope the app cannot change) and prints query strings,
which carry OAuth codes and `?access_token=`. So it is off (LOGGING) and this outermost ASGI layer
logs instead, to `tmuxhub.access`, when the response is done:

    <client> - "GET /path HTTP/1.1" 200 1234B 5.2ms

The client is what `abuse.clientip` decides (X-Forwarded-For only from TMUXHUB_TRUSTED_PROXIES, so a
forged one is ignored). With TMUXHUB_LOG_FORMAT=json the same fields are keys of their own
(client, method, path, http_version, status, bytes, duration_ms). A streamed answer (SSE) is logged
when it ends, with its whole duration.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings

from abuse.clientip import client_ip, parse_networks

log = logging.getLogger("tmuxhub.access")


class AccessLog:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.proxies = parse_networks(settings.TMUXHUB_TRUSTED_PROXIES)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what uvicorn answers if the app fails before it answers itself
        sent = 0

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            fields = {
                "client": client_ip(scope, self.proxies) or "-",
                "method": scope["method"],
                "path": scope["path"],  # never the query string
                "http_version": scope.get("http_version", "1.1"),
                "status": status,
                "bytes": sent,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }
            log.info(
                '%s - "%s %s HTTP/%s" %d %dB %.1fms',
                *fields.values(),
                extra=fields,
            )
