"""The dashboard (`/admin/`): offenders by state, the week's 429s and reports, tool calls, OAuth."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from bridge.models import ToolCall
from tests.admin.filled import week_of_abuse
from tests.support.people import force_login, person_with_token

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
    force_login(client, django_user_model.objects.create_user("octocat"))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def _call(client_id: str, digest: str = "c", duration_ms: float = 1.0, **fields: object) -> ToolCall:
    return ToolCall.objects.create(
        username="octocat",
        client_id=client_id,
        tool="capture_pane",
        arguments_digest=digest * 64,
        outcome=ToolCall.OK,
        duration_ms=duration_ms,
        **fields,
    )


def test_the_audit_log_filters_by_client_name_and_shows_digests(admin_client: Client) -> None:
    """Claude registers a new client id per connection: the filter offers each name once."""
    _, first = person_with_token("octocat", "Claude")
    _, second = person_with_token("hubot", "Claude")
    _, other = person_with_token("monalisa", "MCP Inspector")
    _call(first.application.client_id, "c")
    _call(second.application.client_id, "e")
    _call(other.application.client_id, "d")

    listing = admin_client.get("/admin/bridge/toolcall/").content.decode()
    html = admin_client.get("/admin/bridge/toolcall/?client=Claude").content.decode()

    assert listing.count("?client=Claude") == 1 and "?client=MCP+Inspector" in listing
    assert first.application.client_id not in listing  # names, not 40-character ids
    assert "cccccccccccc" in html and "eeeeeeeeeeee" in html and "dddddddddddd" not in html


def test_times_and_durations_read_naturally(admin_client: Client) -> None:
    _call("gone-client-id", duration_ms=0.017)
    _call("gone-client-id", duration_ms=1830.0, created_at=timezone.now() - timedelta(minutes=5))

    for page in ("/admin/", "/admin/bridge/toolcall/"):
        html = admin_client.get(page).content.decode()
        assert "just now" in html and "0 minutes" not in html
        assert "5\xa0minutes ago" in html
        assert "0.017 ms" in html and "1.83 s" in html
        assert "deleted client gone-cli…" in html


def test_the_audit_log_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    call = _call("client-a")

    listing = admin_client.get("/admin/bridge/toolcall/").content.decode()
    response = admin_client.post(f"/admin/bridge/toolcall/{call.pk}/delete/", {"post": "yes"})
    admin_client.post(
        "/admin/bridge/toolcall/", {"action": "delete_selected", "_selected_action": [call.pk], "post": "yes"}
    )

    assert "delete_selected" not in listing
    assert response.status_code == 403
    assert ToolCall.objects.filter(pk=call.pk).exists()


def test_an_empty_week_says_so_instead_of_a_flat_chart(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()

    assert "Nobody was refused in the last 7 days." in html
    assert "Nothing was reported in the last 7 days." in html
    assert "<rect" not in html


def test_the_favicon_is_served(client: Client) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "max-age=604800" in response["Cache-Control"]


def test_view_site_leads_back_to_the_admin(admin_client: Client) -> None:
    """The admin's "View site" goes to `/`: for staff that page is not a dead end."""
    admin_page = admin_client.get("/admin/").content.decode()
    home = admin_client.get("/").content.decode()

    assert '<a href="/">View site</a>' in admin_page
    assert '<a href="/admin/">Back to the admin</a>' in home and "/mcp" in home


def test_model_pages_give_the_width_to_the_page_not_a_sidebar(admin_client: Client) -> None:
    """The header's links replace Django's navigation sidebar (tmuxhub.dashboard.site)."""
    html = admin_client.get("/admin/bridge/toolcall/").content.decode()

    assert 'id="nav-sidebar"' not in html
    assert 'class="hub-nav"' in html
