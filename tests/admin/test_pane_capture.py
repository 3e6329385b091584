"""The live pane view's JSON endpoint: a validated pane target, bounded lines, the pane's text."""

from __future__ import annotations

import time

import libtmux
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/admin/panes/capture"


@pytest.fixture
def hub_tmux(settings, tmux: libtmux.Server, tmux_socket: str) -> libtmux.Server:
    settings.TMUXHUB_TMUX_SOCKET = tmux_socket
    return tmux


@pytest.mark.parametrize("target", ["", "work", "-t", "#{pane_id}", "work:0.1;kill-server", "x" * 200])
def test_it_refuses_anything_but_a_pane_target(admin_client: Client, target: str) -> None:
    response = admin_client.get(URL, {"target": target, "lines": "10"})
    assert response.status_code == 400
    assert "is not a pane" in response.json()["error"]


@pytest.mark.parametrize("lines", ["0", "-5", "100001", "ten"])
def test_it_bounds_the_lines(admin_client: Client, lines: str) -> None:
    response = admin_client.get(URL, {"target": "%0", "lines": lines})
    assert response.status_code == 400
    assert "lines must be" in response.json()["error"]


def test_it_returns_the_last_lines_of_the_pane(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session("work", window_command="seq -f line-%g 5; sleep 60")

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        body = admin_client.get(URL, {"target": "work:0.0", "lines": "3"}).json()
        if "line-5" in body["lines"]:
            break
        time.sleep(0.1)
    assert body["target"] == "work:0.0"
    assert "line-5" in body["lines"] and "line-1" not in body["lines"] and len(body["lines"]) <= 3


def test_a_missing_pane_is_a_clear_404(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session("work")
    response = admin_client.get(URL, {"target": "%999", "lines": "5"})
    assert response.status_code == 404
    assert "list_panes" in response.json()["error"] or "tmux" in response.json()["error"]
