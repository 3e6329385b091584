"""A 10-second soak (`python -m bench --soak`, bench/soak.py): no error, no handle that grows, memory
within its bound. The 5-minute run and its figures are in the README."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.hub import BASE_DIR

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
