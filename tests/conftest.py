"""Fixtures for the real parts every test area shares: a tmux server on an isolated socket, the hub
served by uvicorn in its own process, users with real OAuth tokens, and an MCP client over HTTP."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import libtmux
import pytest

from tests.support.hub import Hub, start_hub
from tests.support.tokens import mint_token

# Fixtures of one area each (Celery worker, fake HTTP services, browser, sshd), shared by all tests.
pytest_plugins = (
    "tests.fixtures.celery",
    "tests.fixtures.github",
    "tests.fixtures.abuse_services",
    "tests.fixtures.browser",
    "tests.fixtures.ssh",
    "tests.fixtures.panes",
    "tests.fixtures.claude_code",
)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _is_transactional(request: pytest.FixtureRequest) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture(autouse=True)
def _background_writers_settle(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a transactional test Django empties PostgreSQL with one TRUNCATE of every table. The hub
    and worker processes write in the background a moment after a test's last request (audit batches,
    abuse counts), and a TRUNCATE racing such an INSERT deadlocks. So before that flush, this waits
    until no other session of the test database is busy; a deadlock that happens anyway is retried by
    the flush itself (tests/postgres_backend)."""
    if not _is_transactional(request):
        yield
        return
    # Set up the database first, so that its teardown (the flush) comes after this one.
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    if connection.vendor == "postgresql":
        _wait_until_no_other_session_is_busy(connection)


def _wait_until_no_other_session_is_busy(connection: Any, seconds: float = 5) -> None:
    """Idle twice in a row 30 ms apart: one idle glance can fall between a writer's two statements."""
    quiet_glances = 0
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and quiet_glances < 2:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
            )
            quiet_glances = quiet_glances + 1 if cursor.fetchone()[0] == 0 else 0
            time.sleep(0.03)


@pytest.fixture(scope="session")
def tmux_socket() -> Iterator[str]:
    """A tmux socket path nobody else uses; the server on it is killed at the end of the run."""
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed: apt-get install tmux (`.ci/run` does it for you)")
    folder = tempfile.mkdtemp(prefix="tmuxhub-sock-")
    socket = os.path.join(folder, "hub")
    yield socket
    subprocess.run(["tmux", "-S", socket, "kill-server"], capture_output=True, timeout=10, check=False)
    shutil.rmtree(folder, ignore_errors=True)


def _kill_tmux_server(socket_path: str, timeout: float = 5.0) -> None:
    """Kill the server and wait until it stops listening: with clients attached (the hub's
    control-mode client) it takes a moment to exit, and a `new-session` meanwhile reaches the
    exiting server and fails with "server exited unexpectedly".

    tmux 3.3a hangs in `kill-server` for good while a control-mode client whose reader died with output
    on its way is attached (bridge/control_mode.py starts the hub's clients so that they die with the
    hub; test_control_mode.py checks it). Should a server hang anyway, it is killed outright and the
    test warned, so one stuck server costs one warning rather than every later test on the socket."""
    shown = subprocess.run(
        ["tmux", "-S", socket_path, "display-message", "-p", "#{pid}"],
        capture_output=True, text=True, timeout=10, check=False,
    )  # fmt: skip
    subprocess.run(["tmux", "-S", socket_path, "kill-server"], capture_output=True, timeout=10, check=False)
    if _stops_listening(socket_path, timeout):
        return
    if shown.stdout.strip().isdigit():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(shown.stdout), signal.SIGKILL)
    if not _stops_listening(socket_path, timeout):
        pytest.fail(f"the tmux server on {socket_path} was still listening {timeout:g}s after SIGKILL")
    warnings.warn(f"tmux on {socket_path} ignored kill-server for {timeout:g}s: killed", stacklevel=2)


def _stops_listening(socket_path: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_UNIX) as probe:
            try:
                probe.connect(socket_path)
            except OSError:  # no file, or nobody listening: gone (tmux leaves the file behind)
                return True
        time.sleep(0.01)
    return False


@pytest.fixture
def tmux(tmux_socket: str) -> Iterator[libtmux.Server]:
    """The hub's tmux server, emptied after each test."""
    server = libtmux.Server(socket_path=tmux_socket)
    yield server
    _kill_tmux_server(tmux_socket)


@pytest.fixture(scope="session")
def hub(django_db_setup: None, tmux_socket: str) -> Iterator[Hub]:
    """tmuxhub served by uvicorn in a process of its own on a free loopback port."""
    with start_hub(tmux_socket=tmux_socket) as running:
        yield running


@pytest.fixture
def hub_factory(django_db_setup: None, tmux_socket: str) -> Iterator[Callable[..., Hub]]:
    """Start extra hubs with their own environment (a different tier, proxy list...)."""
    from contextlib import ExitStack

    with ExitStack() as stack:

        def make(**env: str) -> Hub:
            return stack.enter_context(start_hub(tmux_socket=tmux_socket, extra_env=env))

        yield make


@pytest.fixture
def make_user(transactional_db: None):
    """Create an allow-listed user; `tier` caps their tools."""
    from django.contrib.auth import get_user_model

    from tmuxhub.accounts.models import AllowedGitHubUser

    def make(login: str = "octocat", tier: str = "", is_staff: bool = False):
        user = get_user_model().objects.create_user(username=login, is_staff=is_staff)
        AllowedGitHubUser.objects.create(github_login=login, tier=tier, is_staff=is_staff, user=user)
        return user

    return make


@pytest.fixture
def make_token(transactional_db: None, hub: Hub):
    """Mint a real DOT access token for a user, bound to the hub's `/mcp` resource (or another)."""

    def make(user, resource: str | None = None, expires_in: int = 3600) -> str:
        return mint_token(user, resource or hub.mcp_url, expires_in)

    return make


@pytest.fixture
def mcp_token(make_user, make_token) -> str:
    """A valid token for an allow-listed user with the server's default tier."""
    return make_token(make_user())


@pytest.fixture
def readonly_token(make_user, make_token) -> str:
    """A valid token for an allow-listed user capped at the readonly tier (on the shared hub)."""
    return make_token(make_user("reader", tier="readonly"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop this run's PostgreSQL test database even when a straggling connection (a thread of the
    test process, a killed worker's backend) kept Django's own teardown from dropping it."""
    from django.conf import settings
    from django.db import connection

    database = settings.DATABASES["default"]
    if connection.vendor != "postgresql":
        return
    import psycopg

    with (
        psycopg.connect(
            host=database.get("HOST") or None,
            port=database.get("PORT") or None,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
        ) as admin,
    ):
        admin.execute(
            psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                psycopg.sql.Identifier(str(database["NAME"]))
            )
        )
