"""A 10-second soak (`python -m bench --soak`, bench/soak.py): no error, no handle that grows, memory
within its bound. The 5-minute run and its figures are in the README."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.hub import BASE_DIR

pytestmark = pytest.mark.slow


def test_a_short_soak_holds() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--soak", "--soak-clients", "8", "--soak-seconds", "10"],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stdout + done.stderr
    assert "soak held" in done.stdout
    assert '"errors": 0' in done.stdout


def _report(**after: int) -> dict[str, object]:
    before = {"open_fds": 40, "threads": 10, "sqlite_files": 10, "tcp_sockets": 15, "tmux_children": 0,
              "tmux_clients": 1}  # fmt: skip
    return {"clients": 8, "errors": 0, "rss_growth_mb": 1.0, "handles_before": before,
            "handles_after": {**before, **after}}  # fmt: skip


def test_the_verdict_allows_pools_to_reach_the_load_concurrency() -> None:
    from bench.soak import verdict

    assert verdict(_report(threads=11, sqlite_files=12, open_fds=45, tcp_sockets=17), max_growth_mb=40) == []
    # A thread of the pool that first touches the database during the soak keeps its connection.
    assert verdict(_report(sqlite_files=12, open_fds=42), max_growth_mb=40) == []


def test_the_verdict_catches_handles_that_grow_with_the_calls() -> None:
    from bench.soak import verdict

    problems = verdict(
        _report(open_fds=140, sqlite_files=60, tcp_sockets=60, tmux_children=1), max_growth_mb=40
    )

    assert [problem.split(":")[0] for problem in problems] == [
        "open_fds", "sqlite_files", "tcp_sockets", "tmux_children"
    ]  # fmt: skip
