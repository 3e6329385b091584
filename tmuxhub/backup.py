"""`tmuxhub backup`: an online copy of everything a restore needs, taken while the hub runs.

- SQLite: SQLite's backup API (a consistent copy that includes what is still in the WAL file; a
  plain `cp` of a running hub's database misses those rows).
- PostgreSQL: `pg_dump --format=custom` (restore with `pg_restore`), bounded by a timeout; the
  password goes to it in its environment, never on its command line.
- The embedded secret key (`TMUXHUB_DATA_DIR/secret_key`) when there is one: without it, browser
  sessions and anything else signed by the old key are lost. A `SECRET_KEY` from the environment
  is not copied (it lives wherever the environment is kept); the command says so, without it.
- `manifest.json`: when, which engine, the migrations applied per app (what code can run on it),
  and each file's size and sha256. Nothing secret.

Everything is written into a new folder (0700, files 0600). Nothing secret is printed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tmuxhub.datadir import SECRET_KEY_FILE

SQLITE_FILE = "tmuxhub.sqlite3"
PG_DUMP_FILE = "tmuxhub.pgdump"
MANIFEST_FILE = "manifest.json"
SQLITE_PAGES_PER_STEP = 1024  # copied between lock releases, so the hub's writes go on meanwhile


class BackupError(Exception):
    """A backup that could not be made; the message says what to do."""


@dataclass
class Backup:
    folder: Path
    files: list[Path]
    notes: list[str]


def default_folder() -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.TMUXHUB_DATA_DIR) / "backups" / stamp


def make(folder: Path | None = None, timeout: float = 600) -> Backup:
    folder = folder or default_folder()
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty: name a new folder (or leave --output out).")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    database = settings.DATABASES["default"]
    notes: list[str] = []
    if database["ENGINE"].endswith("sqlite3"):
        files = [_copy_sqlite(Path(database["NAME"]), folder / SQLITE_FILE, timeout)]
    else:
        files = [_dump_postgres(database, folder / PG_DUMP_FILE, timeout)]
    key_file = Path(settings.TMUXHUB_DATA_DIR) / SECRET_KEY_FILE
    if key_file.is_file():
        files.append(folder / SECRET_KEY_FILE)
        shutil.copyfile(key_file, files[-1])
    else:
        notes.append(
            "SECRET_KEY comes from your environment and is not in this backup: keep it with the backup "
            "(a restore with another key ends every browser session)."
        )
    for file in files:
        os.chmod(file, 0o600)
    manifest = folder / MANIFEST_FILE
    manifest.write_text(json.dumps(_manifest(database["ENGINE"], files), indent=2) + "\n")
    os.chmod(manifest, 0o600)
    return Backup(folder=folder, files=[*files, manifest], notes=notes)


def _copy_sqlite(source: Path, target: Path, timeout: float) -> Path:
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}: is TMUXHUB_DATA_DIR the hub's data folder?")
    deadline = time.monotonic() + timeout

    def within_time(_status: int, remaining: int, total: int) -> None:
        if time.monotonic() > deadline:
            raise BackupError(
                f"the SQLite copy did not finish within {timeout:.0f} s ({total - remaining} of {total} "
                "pages): run again with a larger --timeout"
            )

    # Read-only: a backup never writes to the hub's database.
    try:
        with (
            sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=timeout) as src,
            sqlite3.connect(target) as dst,
        ):
            src.backup(dst, pages=SQLITE_PAGES_PER_STEP, progress=within_time)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            check = dst.execute("PRAGMA integrity_check").fetchone()
    except BackupError:
        target.unlink(missing_ok=True)  # no partial copy that could be taken for a backup
        raise
    if check != ("ok",):
        raise BackupError(f"the copy of {source} failed SQLite's integrity check: {check}")
    return target


def _dump_postgres(database: dict[str, Any], target: Path, timeout: float) -> Path:
    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump is not installed: apt-get install postgresql-client (its major version at least "
            "the server's), then run tmuxhub backup again."
        )
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = str(database["PASSWORD"])
    argv = ["pg_dump", "--format=custom", "--no-owner", "--file", str(target), "--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            argv += [option, str(database[key])]
    try:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        target.unlink(missing_ok=True)
        raise BackupError(
            f"pg_dump did not finish within {timeout:.0f} s: run again with a larger --timeout"
        ) from None
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed (exit {done.returncode}): {done.stderr.strip()[-1000:]}")
    return target


def _manifest(engine: str, files: list[Path]) -> dict[str, Any]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "engine": "sqlite" if engine.endswith("sqlite3") else "postgresql",
        "migrations": {app: names[-1] for app, names in applied.items()},
        "files": {file.name: {"bytes": file.stat().st_size, "sha256": _sha256(file)} for file in files},
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
