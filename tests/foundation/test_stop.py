"""SIGTERM (what `docker stop` and service managers send) stops every process a `tmuxhub` command
started, quickly, and leaves none of them running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.support.hub import BASE_DIR
from tests.support.processes import start_logged, wait_until_ready


def _family(process: subprocess.Popen[bytes]) -> list[psutil.Process]:
    parent = psutil.Process(process.pid)
    return [parent, *parent.children(recursive=True)]


def _left_running(family: list[psutil.Process], timeout: float) -> list[str]:
    _, alive = psutil.wait_procs(family, timeout=timeout)
    return [" ".join(p.cmdline()) for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.fixture
def celery_env(tmp_path: Path) -> dict[str, str]:
    """The test settings with a queue and data folder of their own (this run's prefix, so cleaned up)."""
    from django.conf import settings

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONPATH": str(BASE_DIR),
        "TMUXHUB_INSTANCE": f"{settings.TMUXHUB_INSTANCE}-stop",
        "TMUXHUB_DATA_DIR": str(tmp_path / "data"),
    }


@pytest.mark.parametrize(
    ("command", "ready"), [("worker", " ready."), ("beat", "beat: Starting...")], ids=["worker", "beat"]
)
def test_sigterm_to_the_command_stops_celery_and_leaves_no_process(
    command: str, ready: str, celery_env: dict[str, str], tmp_path: Path
) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    log = tmp_path / "celery.log"
    extra = ["--concurrency=1", "--without-gossip", "--without-mingle"] if command == "worker" else []
    process = start_logged(
        [sys.executable, "-m", "tmuxhub.cli", command, *extra], log, cwd=cwd, env=celery_env
    )
    data = Path(celery_env["TMUXHUB_DATA_DIR"])

    def started() -> bool:
        # beat logs "Starting..." just before it opens its schedule file: wait for the file too, or a
        # SIGTERM on a loaded machine can come in between
        return ready in log.read_text() and (command != "beat" or any(data.glob("celerybeat-schedule*")))

    wait_until_ready(process, started, f"tmuxhub {command}", log.read_text, 60)
    family = _family(process)

    process.send_signal(signal.SIGTERM)

    assert _left_running(family, timeout=15) == [], log.read_text()
    assert process.wait(timeout=5) == 0
    if command == "beat":  # the schedule is kept in the data folder, not wherever beat was started
        assert list(data.glob("celerybeat-schedule*"))
        assert list(cwd.iterdir()) == []


def test_sigterm_to_serve_stops_web_and_worker_within_5_seconds(
    embedded_env: tuple[dict[str, str], int], tmp_path: Path
) -> None:
    env, port = embedded_env
    log = tmp_path / "serve.log"
    process = start_logged(
        [sys.executable, "-m", "tmuxhub.cli", "serve", "--port", str(port)], log, cwd=BASE_DIR, env=env
    )
    try:
        # Both children up: uvicorn answers and the embedded worker says it is ready.
        wait_until_ready(
            process,
            lambda: "Uvicorn running" in log.read_text() and " ready." in log.read_text(),
            "tmuxhub serve",
            log.read_text,
            90,
        )
        family = _family(process)
        assert any("celery" in " ".join(p.cmdline()) for p in family), "no embedded worker"

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()

    assert took < 5, f"serve took {took:.1f}s to stop"
    assert _left_running(family, timeout=1) == []
    for noise in ("No directory at", "No hostname was supplied", "StreamingHttpResponse", "Traceback"):
        assert noise not in log.read_text()
