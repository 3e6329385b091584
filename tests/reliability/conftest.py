"""Throw-away Redis and PostgreSQL servers that fault tests may stop, kill and restart.

The machine's shared Redis (6379) and PostgreSQL (5432) are never touched: other engineers and CI
use them. Each instance here listens on a free loopback port and is deleted at the end.

    def test_x(own_redis, hub_factory):
        hub = hub_factory(REDIS_URL=own_redis.url)
        own_redis.stop(); ...; own_redis.start()

    def test_y(own_postgres, hub_factory):
        hub = hub_factory(DATABASE_URL=own_postgres.url)   # its database is migrated
        token = own_postgres.mint_token(hub.url)
        own_postgres.restart()
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

from tests.support.hub import BASE_DIR, free_port
from tests.support.processes import wait_until_ready

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass
class OwnRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until_ready(
            self.process, self._answers, f"redis-server on port {self.port}", timeout=10, interval=0.05
        )

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """SIGKILL, as when Redis crashes or its host goes away: no goodbye to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (scripts/ensure-system test installs it)")
    instance = OwnRedis(port=free_port())
    instance.start()
    yield instance
    instance.stop()


@dataclass
class OwnPostgres:
    folder: Path
    port: int
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.folder / "postgres.log"

    @property
    def url(self) -> str:
        # tests/settings.py names the database test_tmuxhub_<run id> whatever the URL says.
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def database(self) -> str:
        return f"test_tmuxhub_{os.environ['TMUXHUB_TEST_RUN_ID']}"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        _as_postgres(
            [str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), "-l", str(self.log), "-w",
             "-t", "30", "-o", options, *args]
        )  # fmt: skip

    def restart(self) -> None:
        """A fast restart: every open connection is cut, transactions in flight are rolled back."""
        self.pg_ctl("-m", "fast", "restart")

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=self.database, connect_timeout=5
        ) as db:
            return db.execute(sql, params).fetchall()

    def manage(self, *args: str, env: dict[str, str] | None = None) -> str:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": self.url,
            **(env or {}),
        }
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def mint_token(self, public_url: str) -> str:
        """An allow-listed user's MCP token in this cluster, for a hub serving at `public_url`."""
        minted = self.manage("shell", "-c", MINT_TOKEN, env={"TMUXHUB_PUBLIC_URL": public_url})
        return minted.strip().splitlines()[-1]


def _as_postgres(argv: list[str]) -> None:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user."""
    if os.getuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    subprocess.run(argv, check=True, capture_output=True, timeout=60)


# Run inside the cluster's database (manage.py shell): an allow-listed user and an MCP token.
MINT_TOKEN = """
from django.conf import settings
from django.contrib.auth import get_user_model
from tests.support.tokens import mint_token
from tmuxhub.accounts.models import AllowedGitHubUser
user = get_user_model().objects.create_user(username="faulty")
AllowedGitHubUser.objects.create(github_login="faulty", user=user)
print(mint_token(user, settings.MCP_RESOURCE_URL, client="fault client"))
"""


def _new_cluster_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="tmuxhub-pg-"))
    if os.getuid() == 0:
        postgres = pwd.getpwnam("postgres")
        os.chown(folder, postgres.pw_uid, postgres.pw_gid)
    return folder


@pytest.fixture(scope="session")
def _migrated_cluster(django_db_setup: None) -> Iterator[Path]:
    """A stopped PostgreSQL cluster, its test database migrated, made once per run: each
    `own_postgres` starts a copy of it. initdb and a migrate in a fresh cluster per test cost ~20 s
    each on a loaded machine; a copy of its data folder, well under one."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"{PG_BIN}/initdb is missing: apt-get install postgresql (scripts/ensure-system test)")
    template = OwnPostgres(folder=_new_cluster_folder(), port=free_port())
    _as_postgres(
        [str(PG_BIN / "initdb"), "-D", str(template.folder / "data"), "-U", "postgres", "--auth=trust",
         "-E", "UTF8"]
    )  # fmt: skip
    template.pg_ctl("start")
    try:
        _as_postgres(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(template.port), "-U", "postgres",
             template.database]
        )  # fmt: skip
        template.manage("migrate", "--verbosity", "0")
    finally:
        template.pg_ctl("-m", "fast", "stop")  # a clean stop: its copies start without recovery
    yield template.folder / "data"
    shutil.rmtree(template.folder, ignore_errors=True)


@pytest.fixture
def own_postgres(_migrated_cluster: Path) -> Iterator[OwnPostgres]:
    """A PostgreSQL cluster of this test's own, migrated; its `mint_token` gives a hub on it a token."""
    instance = OwnPostgres(folder=_new_cluster_folder(), port=free_port())
    _as_postgres(["cp", "-a", str(_migrated_cluster), str(instance.folder / "data")])
    instance.pg_ctl("start")
    try:
        yield instance
    finally:
        instance.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(instance.folder, ignore_errors=True)


@dataclass
class SmallDisk:
    """A tmpfs of a few pages mounted on `path`: `fill()` leaves no byte free, `free()` gives it back."""

    path: Path

    @property
    def filler(self) -> Path:
        return self.path / ".filler"

    def fill(self) -> None:
        with self.filler.open("ab", buffering=0) as filler:
            try:
                while True:
                    filler.write(b"\0" * 4096)
            except OSError:  # ENOSPC: full
                pass

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def small_disk() -> Iterator[Callable[..., SmallDisk]]:
    """Mount a small tmpfs on a folder (made if missing, its files copied in), as a data disk that can
    really fill up; unmounted at the end. Mounting needs root (as `.ci/run` and `make test` run)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(path: Path, size: str = "256k") -> SmallDisk:
        path.mkdir(parents=True, exist_ok=True)
        kept = Path(tempfile.mkdtemp(prefix="tmuxhub-disk-"))
        shutil.copytree(path, kept, dirs_exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
            check=True, capture_output=True, timeout=30,
        )  # fmt: skip
        mounted.append(path)
        shutil.copytree(kept, path, dirs_exist_ok=True)
        shutil.rmtree(kept, ignore_errors=True)
        return SmallDisk(path)

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "--lazy", str(path)], check=False, capture_output=True, timeout=30)
