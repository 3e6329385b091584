import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_reports_every_part_up(hub, tmux):
    tmux.new_session(session_name="keepalive")

    response = httpx.get(f"{hub.url}/healthz", timeout=10)

    assert response.status_code == 200
    body = response.json()
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "broker", "tmux"}
    assert "1 sessions" in body["checks"]["tmux"]


def test_it_names_tmux_when_no_server_runs(hub, tmux):
    response = httpx.get(f"{hub.url}/healthz", timeout=10)

    assert response.status_code == 503
    assert response.json()["down"] == ["tmux"]
    assert "start one with" in response.json()["checks"]["tmux"]


def test_it_names_redis_when_it_is_unreachable(hub_factory, tmux):
    tmux.new_session(session_name="keepalive")
    no_redis = hub_factory(REDIS_URL="redis://127.0.0.1:1/0")

    response = httpx.get(f"{no_redis.url}/healthz", timeout=10)

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
