"""When the hub cannot write: a full or read-only data disk, or a database that refuses writes.

`/healthz` probes the data folder (`probe_data_folder`); a request that fails for that reason (or
because the database is not answering) is answered 503 with a message saying what to do, as JSON
for the OAuth and API endpoints (clients parse it), instead of Django's HTML 500 page
(`server_error`, the `handler500` view: it also sees what fails while middleware saves a session).
"""

from __future__ import annotations

import errno
import os
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from tmuxhub.accounts import paths

# Written and removed by each probe: big enough that a disk with a few blocks left still fails.
PROBE_BYTES = 64 * 1024
RETRY_AFTER_SECONDS = 30
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
API_PATHS = {paths.TOKEN, paths.REGISTER, paths.REVOKE}


def probe_data_folder() -> str:
    """Write and remove a small file in the data folder; raise OSError when that fails."""
    folder = Path(settings.TMUXHUB_DATA_DIR)
    probe = folder / f".healthz-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        with probe.open("wb", buffering=0) as file:
            file.write(b"\0" * PROBE_BYTES)
    finally:
        probe.unlink(missing_ok=True)
    return "ok (writable)"


def unavailable_reason(exc: BaseException) -> str | None:
    """What to tell a client when `exc` means the hub cannot store anything now, else None."""
    if isinstance(exc, OperationalError):
        return (
            f"the hub's database refused the request ({exc}). If the disk holding it is full or "
            "read-only, free space or fix it; if the database is down, start it. It works again by "
            "itself once the database can be written; /healthz shows it."
        )
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        return (
            f"the hub cannot write to its data folder ({os.strerror(exc.errno or 0)}): free space on "
            "that disk or make it writable. It works again by itself; /healthz shows it."
        )
    return None


def _wants_json(request: HttpRequest) -> bool:
    path = request.path.rstrip("/") or "/"
    return path in API_PATHS or "text/html" not in request.headers.get("Accept", "")


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: Django calls it while handling the exception, so `sys.exc_info()` names it."""
    exc = sys.exc_info()[1]
    reason = unavailable_reason(exc) if exc is not None else None
    if reason is None:
        if _wants_json(request):
            body = {"error": "server_error", "error_description": "the hub failed; its log says why."}
            return JsonResponse(body, status=500)
        return defaults.server_error(request)
    response: HttpResponse
    if _wants_json(request):
        response = JsonResponse({"error": "temporarily_unavailable", "error_description": reason}, status=503)
    else:
        response = HttpResponse(
            f"tmuxhub is unavailable: {reason}\n", status=503, content_type="text/plain; charset=utf-8"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
