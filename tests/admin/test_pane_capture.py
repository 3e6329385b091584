"""The live pane view: a validated pane target, bounded lines, the pane's text with its colours as
safe HTML, a page that works without JavaScript, and a closed pane said in plain words."""

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


def _capture_when(admin_client: Client, target: str, ready: str, **params: str) -> dict:
    deadline = time.monotonic() + 15
    while True:
        body = admin_client.get(URL, {"target": target, "lines": "20", **params}).json()
        if ready in "\n".join(body.get("lines", [])) or time.monotonic() > deadline:
            return body
        time.sleep(0.1)


def test_a_closed_pane_is_said_in_plain_words(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session("work")

    response = admin_client.get(URL, {"target": "%999", "lines": "5"})

    assert response.status_code == 404
    assert response.json()["error"] == "Pane %999 is closed: its program ended or it was killed."
    assert "work:0.0" in response.json()["panes_html"]  # the list to pick another from
    page = admin_client.get("/admin/panes/", {"target": "%999"}).content.decode()
    assert "Pane %999 is closed" in page and "tmux_" not in page


def test_colours_become_html_and_markup_stays_text(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session(
        "work", window_command="printf '\\033[1;31m<img src=x onerror=alert(1)>\\033[0m done\\n'; sleep 60"
    )

    body = _capture_when(admin_client, "work:0.0", "done")

    assert '<span class="a-b a-f1">&lt;img src=x onerror=alert(1)&gt;</span> done' in body["html"]
    assert "<img" not in body["html"]
    assert body["lines"][0] == "<img src=x onerror=alert(1)> done"


def test_an_unchanged_pane_is_not_sent_again(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session("work", window_command="echo steady; sleep 60")
    first = _capture_when(admin_client, "work:0.0", "steady")

    again = admin_client.get(URL, {"target": "work:0.0", "lines": "20", "since": first["digest"]}).json()

    assert again["digest"] == first["digest"]
    assert "html" not in again and "lines" not in again


def test_the_page_shows_the_pane_without_javascript(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    hub_tmux.new_session("work", window_command="echo '<b>visible</b>'; sleep 60")
    _capture_when(admin_client, "work:0.0", "visible")

    page = admin_client.get("/admin/panes/", {"target": "work:0.0"}).content.decode()

    terminal = page.split('id="pane-text"', 1)[1].split("</pre>", 1)[0]
    assert "&lt;b&gt;visible&lt;/b&gt;" in terminal
    assert '<noscript><meta http-equiv="refresh" content="10"></noscript>' in page


def test_a_pane_that_is_one_screen_is_marked_so(admin_client: Client, hub_tmux: libtmux.Server) -> None:
    """A full-screen program (alternate screen) is shown from its top, not followed at the bottom."""
    hub_tmux.new_session("pager", window_command="seq 200 | less")
    hub_tmux.new_session("shell", window_command="seq 200; sleep 60")

    assert _capture_when(admin_client, "pager:0.0", "1")["one_screen"] is True
    assert _capture_when(admin_client, "shell:0.0", "200")["one_screen"] is False
