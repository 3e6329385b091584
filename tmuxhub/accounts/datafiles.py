"""Only the account running tmuxhub may read its data: the folder 0700, the SQLite database 0600.

The database holds the allow-list, sessions and token checksums, the folder the secret key and the
embedded Celery broker's messages. Applied at every start (`AccountsConfig.ready`), so an
installation made before this existed is tightened too, whichever server or command starts first.
SQLite gives its `-wal` and `-shm` files the database file's mode, so creating the file 0600
before SQLite opens it covers them.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def protect() -> None:
    data_dir = Path(settings.TMUXHUB_DATA_DIR)
    if data_dir.is_dir():
        data_dir.chmod(DIRECTORY_MODE)
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if not database["ENGINE"].endswith("sqlite3") or not name or name.startswith(":memory:"):
        return
    path = Path(name)
    if not path.parent.is_dir():
        return
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    for file in (path, path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
        if file.exists():
            file.chmod(FILE_MODE)
