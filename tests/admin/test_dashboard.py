"""The dashboard (`/admin/`): offenders by state, the week's 429s and reports, tool calls, OAuth."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from bridge.models import ToolCall

from .conftest import person_with_token, week_of_abuse

pytestmark = pytest.mark.django_db


def _bars(html: str, chart: str) -> list[int]:
    section = html.split(f'id="chart-{chart}"', 1)[1].split("</figure>", 1)[0]
    return [int(value) for value in re.findall(r'data-value="(\d+)"', section)]


def test_it_counts_offenders_by_state_and_charts_the_week(admin_client: Client) -> None:
    week_of_abuse()

    html = admin_client.get("/admin/").content.decode()

    assert re.search(r'id="count-pending">2<', html)
    assert re.search(r'id="count-staged">1<', html)
    assert re.search(r'id="count-reported">1<', html)
    assert _bars(html, "429-answers-per-day") == [5, 0, 0, 0, 30, 0, 120]
    assert _bars(html, "abuseipdb-reports-per-day") == [0, 0, 0, 0, 0, 0, 1]


def test_it_lists_recent_tool_calls_and_active_clients(admin_client: Client) -> None:
    entry, _ = person_with_token(client="Claude Desktop")
    ToolCall.objects.create(
        user=entry.user,
        username="octocat",
        client_id="client-1",
        tool="send_keys",
        arguments_digest="ab" * 32,
        outcome=ToolCall.ERROR,
        error="no such pane",
        duration_ms=3.2,
        created_at=timezone.now(),
    )

    html = admin_client.get("/admin/").content.decode()

    assert "send_keys" in html and "no such pane" in html
    assert "Claude Desktop" in html
    assert re.search(r'id="live-tokens">1<', html)
    # The app list of the stock admin index is still there.
    assert "/admin/abuse/offender/" in html and "/admin/accounts/allowedgithubuser/" in html


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/people/", "/admin/panes/", "/admin/panes/capture?target=%250&lines=5"]
)
def test_every_page_is_for_staff_only(client: Client, django_user_model, url: str) -> None:
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(django_user_model.objects.create_user("octocat"))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_the_audit_log_filters_by_client_and_shows_digests(admin_client: Client) -> None:
    for client_id in ("client-a", "client-b"):
        ToolCall.objects.create(
            username="octocat",
            client_id=client_id,
            tool="capture_pane",
            arguments_digest=("c" if client_id == "client-a" else "d") * 64,
            outcome=ToolCall.OK,
            duration_ms=1.0,
        )

    html = admin_client.get("/admin/bridge/toolcall/?client_id=client-a").content.decode()

    assert "cccccccccccc" in html and "dddddddddddd" not in html
