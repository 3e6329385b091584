"""Helpers of the operations tests: a hub on a database of its own, started as operators start it."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.support.hub import BASE_DIR, answers
from tests.support.processes import start_logged, stop, wait_until_ready


@contextmanager
def fresh_database() -> Iterator[dict[str, str]]:
    """The environment of a hub on an empty database of its own, embedded mode (no Redis), on the
    engine the suite runs on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "TMUXHUB_INSTANCE")
    }
    env.update(
        TMUXHUB_DATA_DIR=tempfile.mkdtemp(prefix="tmuxhub-upgrade-"),
        TMUXHUB_ENV_FILE=os.devnull,
        DJANGO_SETTINGS_MODULE="tmuxhub.settings",
    )
    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url:
        yield env
        return
    import psycopg

    name = f"tmuxhub_upgrade_{uuid.uuid4().hex[:12]}"
    parts = urlsplit(server_url)
    admin = psycopg.connect(server_url, autocommit=True, connect_timeout=10)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@contextmanager
def serve(
    env: dict[str, str], port: int, log_path: Path | None = None, worker: str = "--no-worker"
) -> Iterator[str]:
    """`tmuxhub serve` (it migrates first), until it answers; its URL. Its output goes to `log_path`;
    `worker="--with-worker"` starts its embedded worker and beat too."""
    url = f"http://127.0.0.1:{port}"
    log_path = log_path or Path(tempfile.mkstemp(prefix="tmuxhub-serve-", suffix=".log")[1])
    argv = [sys.executable, "-m", "tmuxhub.cli", "serve", worker, "--port", str(port)]
    process = start_logged(argv, log_path, cwd=BASE_DIR, env=env)

    try:
        wait_until_ready(
            process, lambda: answers(url), "tmuxhub serve", lambda: log_path.read_text(errors="replace"), 120
        )
        yield url
    finally:
        stop(process)
