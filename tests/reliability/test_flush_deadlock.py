"""PostgreSQL: emptying the database between tests survives being a deadlock's victim
(tests/postgres_backend), as when a hub's background write races the TRUNCATE."""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import connection

from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = ('"bridge_toolcall"', '"django_session"')


def test_the_flush_is_tried_again_after_a_deadlock() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no concurrent writers to deadlock with")
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}
    writer, watcher = psycopg.connect(**dsn), psycopg.connect(**dsn, autocommit=True)
    # The writer waits long before looking for deadlocks, so the flush, which waits first, is the victim.
    writer.execute("SET deadlock_timeout = '20s'")
    writer.execute("INSERT INTO django_session VALUES ('racing', '', now())")  # holds django_session
    flushed: list[BaseException | None] = []

    def flush() -> None:
        try:
            connection.ops.execute_sql_flush([f"TRUNCATE {', '.join(TABLES)};"])
            flushed.append(None)
        except BaseException as exc:  # handed to the test
            flushed.append(exc)
        finally:
            connection.close()

    flusher = threading.Thread(target=flush)
    flusher.start()  # takes bridge_toolcall, then waits for django_session
    waiting = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query LIKE 'TRUNCATE%'"
    )
    wait_until(lambda: watcher.execute(waiting).fetchone() == (1,))
    watcher.close()
    # Waits for bridge_toolcall: a deadlock, which the flush's session finds after a second.
    writer.execute(
        "INSERT INTO bridge_toolcall (created_at, username, client_id, tool, arguments_digest,"
        " outcome, error, duration_ms) VALUES (now(), '', '', 'racing', '', 'ok', '', 1)"
    )
    writer.commit()
    writer.close()
    flusher.join(timeout=30)

    assert flushed == [None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM bridge_toolcall) + (SELECT count(*) FROM django_session)"
        )
        assert cursor.fetchone() == (0,)
