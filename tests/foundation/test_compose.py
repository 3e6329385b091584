"""docker-compose.yml cannot run here (no Docker engine): keep it right by reading it."""

from __future__ import annotations

import pytest
import yaml

from tests.support.hub import BASE_DIR

COMPOSE = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_it_runs_web_worker_beat_postgres_and_redis() -> None:
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis"}


def test_every_service_has_a_healthcheck() -> None:
    for name, service in SERVICES.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_web_worker_and_beat_share_one_image_and_wait_for_healthy_stores() -> None:
    images = {SERVICES[name]["image"] for name in ("web", "worker", "beat")}
    assert len(images) == 1
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
        assert SERVICES[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert SERVICES[name]["environment"]["REDIS_URL"].startswith("redis://redis:")


def test_data_lives_in_volumes() -> None:
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata"}
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "redisdata:/data" in SERVICES["redis"]["volumes"]


def test_the_web_command_is_one_the_cli_accepts() -> None:
    from tmuxhub import cli

    command = SERVICES["web"]["command"]
    assert command[0] == "tmuxhub"
    # --help last: argparse has validated every option before it, then exits 0.
    with pytest.raises(SystemExit) as exit_info:
        cli.main([*command[1:], "--help"])
    assert exit_info.value.code == 0


def test_worker_and_beat_run_through_the_cli_so_sigterm_reaches_celery() -> None:
    for name in ("worker", "beat"):
        assert SERVICES[name]["command"][:2] == ["tmuxhub", name]
