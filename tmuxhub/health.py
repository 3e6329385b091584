"""`/healthz`: is each part the hub depends on answering? 200 when all are, 503 naming what is down.

The parts: the database, the data folder (can it be written?), the broker (Redis), tmux, the database
cache table (embedded mode), and the abuse pipeline's Celery worker and beat (their heartbeats,
tmuxhub/heartbeat.py). Anyone sees which parts are down; what each check found (socket paths,
addresses, errors) is shown to staff only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from bridge import tmux
from tmuxhub import heartbeat, storage


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_data_folder() -> str:
    """A full or read-only data disk: SQLite, the embedded broker and the secret key live there."""
    return storage.probe_data_folder()


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "ok (embedded filesystem broker)"
    from tmuxhub.lib import redis

    redis.client().ping()
    return "ok"


def _check_tmux() -> str:
    return f"ok ({tmux.ping()} sessions)"


def _check_cache() -> str:
    """The database cache's table (embedded mode): `/register` and `capture_since` need it, and they
    write to it: a database that reads but cannot write (a full disk) fails here."""
    from django.core.cache import cache

    cache.set("healthz", 1, timeout=60)
    cache.get("healthz")
    return "ok"


def _check_worker() -> str:
    return heartbeat.describe("worker")


def _check_beat() -> str:
    return heartbeat.describe("beat")


CHECKS = {
    "database": _check_database,
    "data folder": _check_data_folder,
    "broker": _check_broker,
    "tmux": _check_tmux,
    "worker": _check_worker,
    "beat": _check_beat,
}
if settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    CHECKS["cache"] = _check_cache


def _is_staff(request: HttpRequest) -> bool:
    try:
        return bool(request.user.is_staff)
    except Exception:  # the session lives in the database, which may be the part down
        return False


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results: dict[str, str] = {}
    down = []
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # every failure is the answer: that part is down
            results[name] = f"down: {exc}"
            down.append(name)
    body: dict[str, object] = {"status": "down" if down else "ok", "down": down}
    if _is_staff(request):
        body["checks"] = results
    return JsonResponse(body, status=503 if down else 200)
