"""Settings come from the environment, each documented, and production refuses to start half-configured."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support.hub import BASE_DIR

SETTINGS = (BASE_DIR / "tmuxhub" / "settings.py").read_text()
ENV_EXAMPLE = (BASE_DIR / ".env.example").read_text()


def _variables_read_by_settings() -> set[str]:
    pattern = r'(?:env\.(?:str|bool|int|float|list|db)|_required)\(\s*"([A-Z][A-Z0-9_]+)"'
    return set(re.findall(pattern, SETTINGS))


def test_every_variable_settings_read_is_documented_in_env_example() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    variables = _variables_read_by_settings()

    assert len(variables) > 20
    assert variables - documented == set()


def _start_django(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TMUXHUB_", "GITHUB_", "DJANGO_"))}
    clean.pop("SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "tmuxhub.settings", "TMUXHUB_ENV_FILE": os.devnull, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_lists_every_problem_at_once_in_plain_words(tmp_path) -> None:
    result = _start_django(
        TMUXHUB_PRODUCTION="1",
        TMUXHUB_DATA_DIR=str(tmp_path),
        SECRET_KEY="too-short",
        TMUXHUB_PUBLIC_URL="http://tmux.example.com",
        TMUXHUB_SAFETY_TIER="root",
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("tmuxhub cannot start with TMUXHUB_PRODUCTION=1; fix these")
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert [problem.split()[1] for problem in problems] == [
        "SECRET_KEY",
        "TMUXHUB_PUBLIC_URL",
        "GITHUB_CLIENT_ID",
        "GITHUB_CLIENT_SECRET",
        "TMUXHUB_ALLOWED_GITHUB_USERS",
        "TMUXHUB_SAFETY_TIER='root'",
    ]
    assert "SECRET_KEY is 9 characters long: use a random string of 50 or more" in result.stderr
    assert "TMUXHUB_PUBLIC_URL is http://tmux.example.com: a public deployment is reached over https" in (
        result.stderr
    )


def test_production_names_a_missing_secret_key(tmp_path) -> None:
    result = _start_django(TMUXHUB_PRODUCTION="1", TMUXHUB_DATA_DIR=str(tmp_path))

    assert "  - SECRET_KEY is not set: set it to a random string of 50 or more characters." in result.stderr


def test_production_starts_when_configured(tmp_path) -> None:
    result = _start_django(
        TMUXHUB_PRODUCTION="1",
        TMUXHUB_DATA_DIR=str(tmp_path),
        TMUXHUB_PUBLIC_URL="https://tmux.example.com",
        SECRET_KEY="x" * 50,
        GITHUB_CLIENT_ID="id",
        GITHUB_CLIENT_SECRET="secret",
        TMUXHUB_ALLOWED_GITHUB_USERS="octocat",
    )

    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_importing_the_settings_writes_nothing_and_starting_makes_the_data_folder(tmp_path) -> None:
    data = tmp_path / "data"
    imported = subprocess.run(
        [sys.executable, "-c", "import tmuxhub.settings"],
        cwd=BASE_DIR,
        env={**os.environ, "TMUXHUB_DATA_DIR": str(data), "TMUXHUB_ENV_FILE": os.devnull, "REDIS_URL": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert not data.exists()

    started = _start_django(TMUXHUB_DATA_DIR=str(data), REDIS_URL="")

    assert started.returncode == 0, started.stderr
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600
    assert (data / "celery-broker" / "out").is_dir()


@pytest.mark.parametrize("tier", ["root", "READONLY", ""])
def test_an_unknown_safety_tier_is_refused_with_the_choices(tmp_path, tier) -> None:
    result = _start_django(TMUXHUB_DATA_DIR=str(tmp_path), TMUXHUB_SAFETY_TIER=tier or " ")

    assert result.returncode != 0
    assert "use readonly, mutating or destructive" in result.stderr


def test_debug_is_off_by_default(tmp_path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)",
        ],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
            "TMUXHUB_DATA_DIR": str(tmp_path),
            "TMUXHUB_ENV_FILE": os.devnull,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.stdout.strip() == "False", result.stderr
