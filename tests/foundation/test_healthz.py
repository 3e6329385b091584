"""/healthz: 200 when every part answers, 503 naming what is down; details for staff only."""

import os
from collections.abc import Callable
from importlib import import_module

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from tests.fixtures.celery import Worker
from tests.support.waits import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def healthz(hub, cookies=None) -> httpx.Response:
    return httpx.get(f"{hub.url}/healthz", cookies=cookies, timeout=10)


@pytest.fixture
def staff_cookies(make_user):
    """The session cookie of a logged-in staff member: a session row the hub reads, written as a login
    writes it (not through `Client.force_login`, whose request has no address for axes' log)."""
    user = make_user("operator", is_staff=True)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {settings.SESSION_COOKIE_NAME: session.session_key}


@pytest.fixture
def instance() -> str:
    """A tmuxhub instance name of this test's own: its heartbeats and queue are not those of the
    session's shared workers, which keep beating while this test runs."""
    return f"{os.environ['TMUXHUB_INSTANCE']}-healthz-{os.urandom(4).hex()}"


@pytest.fixture
def own_hub(hub_factory, instance):
    return hub_factory(TMUXHUB_INSTANCE=instance)


@pytest.fixture
def own_worker(celery_worker_factory, instance) -> Callable[..., Worker]:
    def start(beat: bool = False) -> Worker:
        return celery_worker_factory(queue=instance, beat=beat, TMUXHUB_INSTANCE=instance)

    return start


def test_it_reports_every_part_up(own_hub, tmux, own_worker, staff_cookies):
    hub = own_hub
    tmux.new_session(session_name="keepalive")
    own_worker(beat=True)

    def all_up() -> httpx.Response | None:
        response = healthz(hub, staff_cookies)
        return response if response.status_code == 200 else None

    response = wait_until(all_up, timeout=30)

    body = response.json()
    assert body["down"] == []
    assert set(body["checks"]) == {"database", "data folder", "broker", "tmux", "worker", "beat"}
    assert "1 sessions" in body["checks"]["tmux"]
    assert body["checks"]["worker"].startswith("ok (last heartbeat")


def test_it_is_down_while_no_worker_or_beat_is_alive(own_hub, tmux, own_worker):
    hub = own_hub
    tmux.new_session(session_name="keepalive")

    assert healthz(hub).status_code == 503
    assert healthz(hub).json()["down"] == ["worker", "beat"]

    own_worker()  # a worker, but no beat scheduling

    wait_until(lambda: healthz(hub).json()["down"] == ["beat"], timeout=15)


def test_it_names_tmux_when_no_server_runs_and_shows_the_details_to_staff_only(
    hub, tmux, tmux_socket, staff_cookies
):
    public = healthz(hub)
    staff = healthz(hub, staff_cookies)

    assert public.status_code == staff.status_code == 503
    assert "tmux" in public.json()["down"]
    assert "checks" not in public.json()
    assert tmux_socket not in public.text
    assert "start one with" in staff.json()["checks"]["tmux"]
    assert tmux_socket in staff.json()["checks"]["tmux"]


def test_it_names_redis_when_it_is_unreachable(hub_factory, tmux):
    tmux.new_session(session_name="keepalive")
    no_redis = hub_factory(REDIS_URL="redis://127.0.0.1:1/0")

    response = healthz(no_redis)

    assert response.status_code == 503
    assert "broker" in response.json()["down"]
