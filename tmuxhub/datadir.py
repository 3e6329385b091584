"""The data folder (`TMUXHUB_DATA_DIR`) and what lives in it, made when a process starts.

Importing the settings only reads: `TmuxhubConfig.ready` (every Django process: `tmuxhub serve`,
uvicorn, `manage`, Celery) calls `prepare`, which makes the folder (0700;
`tmuxhub/accounts/datafiles.py` tightens older ones), the embedded Celery broker's folders, and, in
embedded mode without `SECRET_KEY`, a per-installation secret key kept beside the database so
restarts keep sessions.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name)


def read_secret_key(data_dir: Path) -> str:
    """The embedded secret key, or "" if none was made yet (`prepare` makes it)."""
    key_file = data_dir / SECRET_KEY_FILE
    return key_file.read_text().strip() if key_file.is_file() else ""


def prepare() -> None:
    data_dir = Path(settings.TMUXHUB_DATA_DIR)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in _embedded_celery_folders():
        folder.mkdir(parents=True, exist_ok=True)
    try:
        settings.SECRET_KEY  # noqa: B018 (Django refuses to read an empty one)
    except ImproperlyConfigured:  # neither in the environment nor made before: make it now
        _write_secret_key(data_dir / SECRET_KEY_FILE)
        settings.SECRET_KEY = read_secret_key(data_dir)


def _embedded_celery_folders() -> list[Path]:
    if settings.REDIS_URL:
        return []
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    names = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
    return [Path(options[name]) for name in names]


def _write_secret_key(key_file: Path) -> None:
    # O_EXCL: when two processes start at once, the first key written is the one both use.
    try:
        descriptor = os.open(key_file, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50))
