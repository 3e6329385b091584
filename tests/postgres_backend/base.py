"""Django's PostgreSQL backend for the test suite, but for one thing: emptying the database between
transactional tests (one TRUNCATE of every table) is tried again when PostgreSQL makes it a deadlock's
victim. The hub and worker processes a test started write a moment after its last request (audit
batches, abuse counts), and a TRUNCATE racing such a transaction deadlocks now and then; tests/conftest.py
already waits until other sessions look idle, which makes it rare, not impossible (CI met it once).
Set as the ENGINE by tests/settings.py; the product uses the stock backend."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import psycopg
from django.db.backends.postgresql import base, operations
from django.db.utils import OperationalError

ATTEMPTS = 5


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list: Iterable[str]) -> None:
        sql_list = list(sql_list)  # run again on a retry
        for attempt in range(1, ATTEMPTS + 1):
            try:
                super().execute_sql_flush(sql_list)
                return
            except OperationalError as exc:
                if not isinstance(exc.__cause__, psycopg.errors.DeadlockDetected) or attempt == ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class: Any = DatabaseOperations
