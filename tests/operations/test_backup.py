"""`tmuxhub backup` of a running hub's database, restored as the README says: every row comes back."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from tests.support.hub import run_tmuxhub
from tests.support.tokens import mint_token

pytestmark = pytest.mark.django_db(transaction=True)


def checksums(tokens: list[str]) -> set[str]:
    return {hashlib.sha256(token.encode()).hexdigest() for token in tokens}


def tokens_in_sqlite(path: Path) -> set[str]:
    """The token checksums a SQLite file holds (none when not even the table made it into the file)."""
    with sqlite3.connect(path) as db:
        try:
            return {row[0] for row in db.execute("select token_checksum from oauth2_provider_accesstoken")}
        except sqlite3.OperationalError:
            return set()


def restore_postgres(dump: Path) -> set[str]:
    """`pg_restore` into a new database (as the README says); the token checksums it holds."""
    import psycopg

    server_url = os.environ["DATABASE_URL"]
    name = f"tmuxhub_restore_{uuid.uuid4().hex[:12]}"
    url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    with psycopg.connect(server_url, autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", "--dbname", url, str(dump)],
                check=True,
                timeout=120,
                capture_output=True,
            )
            with psycopg.connect(url, connect_timeout=10) as restored:
                rows = restored.execute("select token_checksum from oauth2_provider_accesstoken").fetchall()
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {row[0] for row in rows}


def test_a_backup_of_a_running_hub_restores_every_row_and_the_secret_key(tmp_path: Path) -> None:
    user = get_user_model().objects.create(username="octocat")
    tokens = [mint_token(user, "http://127.0.0.1:1/mcp") for _ in range(5)]
    database = Path(str(settings.DATABASES["default"]["NAME"]))
    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    if sqlite:
        # What the issue saw: the rows are still in the WAL file, so a plain copy misses them.
        shutil.copyfile(database, tmp_path / "plain-copy.sqlite3")
        assert tokens_in_sqlite(tmp_path / "plain-copy.sqlite3") != checksums(tokens)

    output = tmp_path / "backup"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = run_tmuxhub(env, "backup", "--output", str(output), timeout=300)
    assert done.returncode == 0, done.stderr
    assert {path.name for path in output.iterdir()} >= {"manifest.json"}
    assert oct(output.stat().st_mode & 0o777) == "0o700"
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in output.iterdir())
    key_file = Path(settings.TMUXHUB_DATA_DIR) / "secret_key"
    if key_file.is_file():
        assert (output / "secret_key").read_bytes() == key_file.read_bytes()
    assert settings.SECRET_KEY not in done.stdout + done.stderr
    assert settings.SECRET_KEY not in (output / "manifest.json").read_text()

    if sqlite:
        # Restore: the file into an empty data folder, under the name the hub uses.
        data = tmp_path / "restored"
        data.mkdir()
        shutil.copyfile(output / "tmuxhub.sqlite3", data / "tmuxhub.sqlite3")
        assert tokens_in_sqlite(data / "tmuxhub.sqlite3") == checksums(tokens)
        restored_env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
            "TMUXHUB_DATA_DIR": str(data),
            "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
        }
        check = run_tmuxhub(restored_env, "manage", "migrate", "--check")
        assert check.returncode == 0, check.stdout + check.stderr  # the restored schema is complete
    else:
        assert restore_postgres(output / "tmuxhub.pgdump") == checksums(tokens)


def test_a_backup_that_runs_out_of_time_says_so_and_leaves_no_copy(tmp_path: Path) -> None:
    get_user_model().objects.create(username="octocat")
    output = tmp_path / "backup"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = run_tmuxhub(env, "backup", "--output", str(output), "--timeout", "0")
    assert done.returncode == 1
    assert "run again with a larger --timeout" in done.stderr
    assert "Traceback" not in done.stderr
    assert not any(path.name.startswith("tmuxhub.") for path in output.iterdir())
