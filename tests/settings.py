"""Settings for the test suite: tmuxhub's own, isolated per test run.

Everything a run touches (data folder, database, Redis keys, Celery queue) carries the run id, so
two runs on one machine (a developer's and CI's, or SQLite and PostgreSQL passes) never collide.
The values go into the environment first, so the hub and Celery worker processes that tests start
with `DJANGO_SETTINGS_MODULE=tests.settings` inherit the same ones.
"""

import os
import tempfile

RUN_ID = os.environ.setdefault("TMUXHUB_TEST_RUN_ID", str(os.getpid()))
os.environ.setdefault("TMUXHUB_DATA_DIR", tempfile.mkdtemp(prefix=f"tmuxhub-test-{RUN_ID}-"))
os.environ.setdefault("TMUXHUB_INSTANCE", f"tmuxhub-test-{RUN_ID}")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("TMUXHUB_ENV_FILE", os.devnull)
# Worker and beat heartbeats every 3 s (not 30): /healthz sees a worker start or stop within seconds.
os.environ.setdefault("TMUXHUB_HEARTBEAT_SECONDS", "3")
# Every test talks to its hub from 127.0.0.1: the rate limiter must not ban it for the whole run.
# tests/abuse starts hubs with small limits of their own.
for _knob in (
    "ABUSE_ANON_LIMIT",
    "ABUSE_DISCOVERY_LIMIT",
    "ABUSE_TOKEN_LIMIT",
    "ABUSE_MAX_404",
    "ABUSE_MAX_AUTH_FAILURES",
    "ABUSE_MAX_EXPLOIT",
):
    os.environ.setdefault(_knob, "1000000")

from tmuxhub.settings import *  # noqa: E402, F403
from tmuxhub.settings import DATABASES, REDIS_URL, TMUXHUB_DATA_DIR  # noqa: E402

# The test database is the database: worker and hub subprocesses then connect to the same one.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _test_db_name: object = TMUXHUB_DATA_DIR / "test.sqlite3"
else:
    _test_db_name = f"test_tmuxhub_{RUN_ID}"
    # The stock backend, but emptying the database between tests survives a deadlock with a hub's
    # background writes (tests/postgres_backend).
    DATABASES["default"]["ENGINE"] = "tests.postgres_backend"
DATABASES["default"]["NAME"] = _test_db_name
DATABASES["default"]["TEST"] = {"NAME": _test_db_name}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests wait for task results (`task.delay().get()`); tmuxhub itself keeps none. Expired after an hour.
if REDIS_URL:
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_RESULT_EXPIRES = 3600
