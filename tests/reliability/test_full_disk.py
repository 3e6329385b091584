"""The data disk fills up. The embedded broker (no Redis) keeps its task messages as files there: a
message that could not be written whole, or any file a worker cannot read, is set aside with one log
line, and the worker (with the embedded beat) goes on taking the next task. `/healthz` names the data
folder, and what cannot be stored answers 503 saying so (JSON to API clients), not an HTML 500."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from kombu.connection import Connection
from kombu.exceptions import OperationalError
from kombu.transport import filesystem

from tests.auth.oauth_client import form_fields
from tests.support.waits import wait_until
from tmuxhub.celery import EmbeddedTransport, app

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# The run's data folder, as the worker started without REDIS_URL (embedded broker) sees it.
BROKER_DIR = Path(settings.TMUXHUB_DATA_DIR) / "celery-broker"
TRANSPORT_OPTIONS = {
    "data_folder_in": str(BROKER_DIR / "out"),
    "data_folder_out": str(BROKER_DIR / "out"),
    "processed_folder": str(BROKER_DIR / "processed"),
    "control_folder": str(BROKER_DIR / "control"),
}


def publish_heartbeat(transport: type[filesystem.Transport] = EmbeddedTransport) -> None:
    """Queue a task on the embedded broker, as the hub does (or as kombu's own transport does)."""
    for folder in TRANSPORT_OPTIONS.values():
        Path(folder).mkdir(parents=True, exist_ok=True)
    url = "filesystem://localhost/"
    with Connection(url, transport=transport, transport_options=TRANSPORT_OPTIONS) as conn:
        app.send_task(
            "tmuxhub.beat_heartbeat",
            connection=conn,
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            ignore_result=True,
            retry=False,
        )


def messages() -> dict[str, int]:
    """The message files waiting in the broker's folder, and their sizes."""
    return {p.name: p.stat().st_size for p in (BROKER_DIR / "out").glob("*.msg")}


@pytest.fixture
def empty_broker() -> None:
    for folder in ("out", "processed", "quarantine"):
        for path in (BROKER_DIR / folder).glob("*"):
            path.unlink()


def test_a_message_a_full_disk_left_empty_is_set_aside_and_the_worker_runs_the_next_task(
    empty_broker, small_disk, celery_worker_factory
) -> None:
    disk = small_disk(BROKER_DIR)
    publish_heartbeat()  # a task queued before the disk filled (and the queue's exchange file)
    queued_before = messages()
    disk.fill()
    with pytest.raises(OperationalError, match="Cannot add file"):
        publish_heartbeat(transport=filesystem.Transport)  # kombu's own writer, as before the fix
    left_empty = {name: size for name, size in messages().items() if name not in queued_before}
    assert list(left_empty.values()) == [0], "kombu's writer should leave an empty message on a full disk"
    with pytest.raises(OperationalError, match="No space left on device"):
        publish_heartbeat()
    assert messages() == queued_before | left_empty, "the embedded broker's writer left a partial message"

    disk.free()
    worker = celery_worker_factory(REDIS_URL="")
    wait_until(lambda: not messages(), timeout=30, context=worker.log)
    publish_heartbeat()

    wait_until(lambda: worker.log().count("succeeded") == 2, timeout=30, context=worker.log)
    assert worker.process.poll() is None, worker.log()
    log = worker.log()
    assert log.count("set aside a task message that cannot be read (an empty file)") == 1, log
    assert "Unrecoverable error" not in log and "Traceback" not in log, log
    assert [p.name for p in (BROKER_DIR / "quarantine").iterdir()] == list(left_empty)


def test_a_message_file_that_is_not_a_message_is_set_aside_and_the_worker_runs_the_next_task(
    empty_broker, celery_worker_factory
) -> None:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    (BROKER_DIR / "out").mkdir(parents=True, exist_ok=True)
    (BROKER_DIR / "out" / f"1_garbage.{queue}.msg").write_bytes(b'{"body": "half a mess')
    (BROKER_DIR / "out" / f"2_shape.{queue}.msg").write_bytes(b'["json", "but not a message"]')
    publish_heartbeat()

    worker = celery_worker_factory(REDIS_URL="", beat=True)  # as `tmuxhub serve` runs it

    wait_until(lambda: "succeeded" in worker.log(), timeout=30, context=worker.log)
    log = worker.log()
    # One line for the first; the second, like it, is held back a minute (tmuxhub.logs.RepeatedErrors).
    assert log.count("set aside a task message that cannot be read (not JSON") == 1, log
    assert "Traceback" not in log, log
    assert worker.process.poll() is None, log
    assert sorted(p.name for p in (BROKER_DIR / "quarantine").iterdir()) == [
        f"1_garbage.{queue}.msg",
        f"2_shape.{queue}.msg",
    ]


def register(hub) -> httpx.Response:
    """Dynamic Client Registration, as Claude does on every new connection: it writes a row."""
    return httpx.post(f"{hub.url}/register", json={"redirect_uris": ["http://localhost:6274/cb"]}, timeout=30)


def test_a_full_data_disk_is_named_by_healthz_and_registration_answers_503_in_json(
    tmp_path, small_disk, hub_factory
) -> None:
    data = tmp_path / "data"
    disk = small_disk(data, size="16m")
    on_sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    if on_sqlite:
        # The hub's SQLite database lives in its data folder: copy the run's (migrated) one onto the
        # small disk, with SQLite's online backup (a file copy would miss what is still in the WAL).
        with (
            closing(sqlite3.connect(settings.DATABASES["default"]["NAME"])) as source,
            closing(sqlite3.connect(data / Path(settings.DATABASES["default"]["NAME"]).name)) as copy,
        ):
            source.backup(copy)
    hub = hub_factory(TMUXHUB_DATA_DIR=str(data))
    assert "data folder" not in httpx.get(f"{hub.url}/healthz", timeout=30).json()["down"]
    assert register(hub).status_code == 201

    disk.fill()

    health = httpx.get(f"{hub.url}/healthz", timeout=30)
    assert health.status_code == 503 and "data folder" in health.json()["down"], health.text
    if not on_sqlite:
        return  # PostgreSQL's disk is not this one: registration still works
    refused = register(hub)
    assert refused.status_code == 503, refused.text[:2000]
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["error"] == "temporarily_unavailable"
    assert "database or disk is full" in refused.json()["error_description"]
    assert "free space" in refused.json()["error_description"]
    with httpx.Client(base_url=hub.url, timeout=30, headers={"Accept": "text/html"}) as browser:
        action, fields = form_fields(browser.get("/accounts/login/?next=/admin/").text)
        login = browser.post(action, data=fields)  # starting the GitHub login saves the session
    assert login.status_code == 503, login.text[:2000]
    assert login.text.startswith("tmuxhub is unavailable: the hub's database refused the request"), login.text

    disk.free()
    assert "data folder" not in httpx.get(f"{hub.url}/healthz", timeout=30).json()["down"]
    assert register(hub).status_code == 201
