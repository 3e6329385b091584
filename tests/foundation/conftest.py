"""Fixtures of the foundation tests."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.support.hub import free_port


@pytest.fixture
def embedded_env(tmux_socket: str, tmp_path: Path) -> tuple[dict[str, str], int]:
    """The environment `tmuxhub serve` gets on a machine with no DATABASE_URL or REDIS_URL: the
    embedded default, on the test's tmux socket; and the port it serves on."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "TMUXHUB_DATA_DIR")
    }
    port = free_port()
    env.update(
        TMUXHUB_DATA_DIR=tempfile.mkdtemp(prefix="tmuxhub-embedded-"),
        TMUXHUB_TMUX_SOCKET=tmux_socket,
        TMUXHUB_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    # The port comes from the environment file (TMUXHUB_ENV_FILE), as from a deployment's .env.
    env_file = tmp_path / "tmuxhub.env"
    env_file.write_text(f"TMUXHUB_PORT={port}\n")
    env["TMUXHUB_ENV_FILE"] = str(env_file)
    return env, port
