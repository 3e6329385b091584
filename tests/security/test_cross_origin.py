"""DNS rebinding and cross-origin calls: `/mcp` only answers its public host and trusted origins.
Browser pages carry CSRF protection, a strict CSP, frame denial, nosniff; behind https also HSTS and
cookies that are Secure and HttpOnly."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.auth.oauth_client import INITIALIZE
from tests.support.hub import Hub, start_hub

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC = "hub.example.test"
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def post_mcp(hub: Hub, token: str, **headers: str) -> httpx.Response:
    return httpx.post(
        hub.mcp_url,
        json=INITIALIZE,
        headers={**MCP_HEADERS, "Authorization": f"Bearer {token}", **headers},
        timeout=10,
    )


def test_mcp_refuses_a_host_that_is_not_its_own(hub, mcp_token) -> None:
    assert post_mcp(hub, mcp_token).status_code == 200
    assert post_mcp(hub, mcp_token, Host="attacker.example").status_code == 421
    assert post_mcp(hub, mcp_token, Host="127.0.0.1.attacker.example").status_code == 421


@pytest.mark.parametrize("origin", ["https://attacker.example", "null", "http://127.0.0.1:1"])
def test_mcp_refuses_a_foreign_origin(hub, mcp_token, origin) -> None:
    assert post_mcp(hub, mcp_token, Origin=origin).status_code == 403


@pytest.mark.parametrize("origin", ["https://claude.ai", "https://claude.com"])
def test_mcp_answers_claude_and_its_own_origin(hub, mcp_token, origin) -> None:
    assert post_mcp(hub, mcp_token, Origin=origin).status_code == 200
    assert post_mcp(hub, mcp_token, Origin=hub.url).status_code == 200


def test_pages_carry_a_strict_csp_frame_denial_and_nosniff(hub) -> None:
    for path in ("/accounts/login/", "/admin/login/"):
        page = httpx.get(f"{hub.url}{path}", timeout=10)
        assert page.status_code == 200
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in page.headers  # plain http: HSTS would lock users out


def test_forms_need_their_csrf_token(hub) -> None:
    with httpx.Client(base_url=hub.url, timeout=10) as browser:
        login = browser.get("/accounts/login/")
        assert 'name="csrfmiddlewaretoken"' in login.text
        forged = browser.post(
            "/login/github/", data={"next": "/"}, headers={"Origin": "https://attacker.example"}
        )
        assert forged.status_code == 403


@pytest.fixture(scope="module")
def https_hub(django_db_setup: None, tmux_socket: str) -> Iterator[Hub]:
    """A hub whose public URL is https, behind a TLS-terminating proxy on loopback (the test)."""
    behind_proxy = {"TMUXHUB_PUBLIC_URL": f"https://{PUBLIC}", "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1"}
    with start_hub(tmux_socket=tmux_socket, extra_env=behind_proxy) as running:
        yield running


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("boss", password="long enough passphrase 42")


def test_behind_https_pages_send_hsts_and_cookies_are_secure_and_httponly(https_hub, superuser) -> None:
    proxied = {"Host": PUBLIC, "X-Forwarded-Proto": "https"}
    # The test talks plain http to the hub (the "proxy" did TLS): httpx would not send Secure cookies.
    login = httpx.get(f"{https_hub.url}/admin/login/", headers=proxied, timeout=10)
    assert login.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf = login.cookies["csrftoken"]
    logged_in = httpx.post(
        f"{https_hub.url}/admin/login/?next=/admin/",
        data={"username": "boss", "password": "long enough passphrase 42", "csrfmiddlewaretoken": csrf},
        headers={
            **proxied,
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"https://{PUBLIC}/admin/login/",
            "Origin": f"https://{PUBLIC}",
        },
        timeout=10,
    )
    assert logged_in.status_code == 302, logged_in.text[:500]
    cookies = {
        header.split("=", 1)[0]: header.lower()
        for header in logged_in.headers.get_list("set-cookie") + login.headers.get_list("set-cookie")
    }
    assert "; secure" in cookies["sessionid"] and "; httponly" in cookies["sessionid"]
    assert "; secure" in cookies["csrftoken"]
