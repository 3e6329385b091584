"""What the hub logs is worth reading: no warning at every start or static file, and a failure that
repeats every second (a database outage) does not print its traceback every second."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx

from tests.support.hub import BASE_DIR

REPEATING_FAILURE = """
import logging, django
django.setup()
log = logging.getLogger("abuse.collector")
for attempt in range(30):
    try:
        raise ConnectionError("connection to server at 127.0.0.1 port 5432 failed")
    except ConnectionError:
        log.exception("could not write %d offenders", attempt)
logging.getLogger("abuse.collector").error("something else went wrong")
"""


def test_static_files_are_served_without_a_warning_at_start_or_per_file(hub) -> None:
    # The session's hub: its log holds its start too.
    response = httpx.get(f"{hub.url}/static/admin/css/base.css", timeout=10)

    assert response.status_code == 200
    assert "body" in response.text
    assert "No directory at" not in hub.log()
    assert "StreamingHttpResponse must consume synchronous iterators" not in hub.log()


def test_a_failure_repeating_every_second_logs_its_traceback_once(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", REPEATING_FAILURE],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
            "TMUXHUB_ENV_FILE": os.devnull,
            "TMUXHUB_DATA_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Traceback") == 1
    assert result.stderr.count("could not write") == 1
    assert "something else went wrong" in result.stderr
