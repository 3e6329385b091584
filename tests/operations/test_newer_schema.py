"""Old code on a database a newer release migrated refuses to start, and says how to go back."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from tests.support.hub import free_port, run_tmuxhub

pytestmark = pytest.mark.django_db(transaction=True)

FUTURE = ("abuse", "0099_from_a_newer_release")


@pytest.fixture
def migrated_by_a_newer_release() -> Iterator[None]:
    recorder = MigrationRecorder(connection)
    recorder.record_applied(*FUTURE)
    yield
    recorder.record_unapplied(*FUTURE)


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_it_refuses_to_start_on_a_newer_schema_and_names_the_migrate_back(
    command: str, migrated_by_a_newer_release: None, tmux_socket: str
) -> None:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "TMUXHUB_TMUX_SOCKET": tmux_socket}
    env["TMUXHUB_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    done = run_tmuxhub(env, command, *(["--port", str(port)] if command == "serve" else []), timeout=60)
    assert done.returncode == 1, done.stderr[-2000:]
    (_, last_known), *_ = MigrationLoader(None).graph.leaf_nodes("abuse")
    assert "migrated by a newer tmuxhub" in done.stderr
    assert "abuse: 0099_from_a_newer_release" in done.stderr
    assert f"tmuxhub manage migrate abuse {last_known}" in done.stderr
    assert "Traceback" not in done.stderr
