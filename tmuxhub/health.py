"""`/healthz`: is each part the hub depends on answering? 200 when all are, 503 naming what is down."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from bridge import tmux
from bridge.exceptions import BridgeError


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "ok (embedded filesystem broker)"
    from tmuxhub import redis

    redis.client().ping()
    return "ok"


def _check_tmux() -> str:
    return f"ok ({tmux.ping()} sessions)"


def _check_cache() -> str:
    """The database cache's table (embedded mode): `/register` and `capture_since` need it."""
    from django.core.cache import cache

    cache.get("healthz")
    return "ok"


CHECKS = {"database": _check_database, "broker": _check_broker, "tmux": _check_tmux}
if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CHECKS["cache"] = _check_cache


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    down = []
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except (BridgeError, Exception) as exc:
            results[name] = f"down: {exc}"
            down.append(name)
    status = 503 if down else 200
    return JsonResponse({"status": "down" if down else "ok", "down": down, "checks": results}, status=status)
