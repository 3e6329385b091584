"""Passwords cannot be guessed at leisure (issue 13, item 6): `/token` takes no password grant, and
the admin's password login locks an IP or a username out after a few failures."""

from __future__ import annotations

import re

import httpx
import pytest
from django.contrib.auth import get_user_model

from tests.auth.oauth_client import TIMEOUT, OAuthClient
from tests.support.hub import Hub

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture
def owner() -> None:
    get_user_model().objects.create_superuser("owner", password=PASSWORD)


def test_token_refuses_other_grants_before_looking_at_any_credential(oauth: OAuthClient, owner) -> None:
    oauth.registered()
    answers = []
    for grant in (
        {"grant_type": "password", "username": "owner", "password": PASSWORD},
        {"grant_type": "password", "username": "owner", "password": "wrong"},
        {"grant_type": "password", "username": "nobody", "password": "wrong"},
        {"grant_type": "client_credentials"},
        {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "x"},
        {},
    ):
        response = oauth.post("/token", data={"client_id": oauth.client_id, **grant})
        answers.append((response.status_code, response.json()["error"]))
    assert set(answers) == {(400, "unsupported_grant_type")}


def _login(hub: Hub, source_ip: str, username: str, password: str) -> httpx.Response:
    """One password login at the admin from `source_ip` (a loopback address)."""
    transport = httpx.HTTPTransport(local_address=source_ip)
    with httpx.Client(base_url=hub.url, timeout=TIMEOUT, transport=transport) as browser:
        page = browser.get("/admin/login/?next=/admin/")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf, page.text
        return browser.post(
            "/admin/login/?next=/admin/",
            data={"csrfmiddlewaretoken": csrf.group(1), "username": username, "password": password},
        )


def _attempt(hub: Hub, source_ip: str, username: str, password: str) -> int:
    return _login(hub, source_ip, username, password).status_code


def _attempt_page(hub: Hub, source_ip: str, username: str, password: str) -> str:
    return _login(hub, source_ip, username, password).text


def test_an_ip_is_locked_out_after_five_failed_passwords(hub: Hub, owner) -> None:
    failures = [_attempt(hub, "127.0.0.20", f"guess{n}", "wrong") for n in range(5)]
    assert failures == [200] * 4 + [429]  # the form again with its error, then locked at the fifth

    assert _attempt(hub, "127.0.0.20", "owner", PASSWORD) == 429
    page = _attempt_page(hub, "127.0.0.20", "owner", PASSWORD)
    assert "<h1>Too many failed logins</h1>" in page and "10 minutes" in page
    assert _attempt(hub, "127.0.0.21", "owner", PASSWORD) == 302


def test_a_username_is_locked_out_after_five_failed_passwords(hub: Hub, owner) -> None:
    failures = [_attempt(hub, f"127.0.0.{30 + n}", "owner", "wrong") for n in range(5)]
    assert failures == [200] * 4 + [429]

    assert _attempt(hub, "127.0.0.40", "owner", PASSWORD) == 429
    get_user_model().objects.create_superuser("second", password=PASSWORD)
    assert _attempt(hub, "127.0.0.40", "second", PASSWORD) == 302


def test_a_successful_login_clears_the_failures(hub: Hub, owner) -> None:
    assert [_attempt(hub, "127.0.0.50", "owner", "wrong") for _ in range(4)] == [200] * 4
    assert _attempt(hub, "127.0.0.50", "owner", PASSWORD) == 302
    assert [_attempt(hub, "127.0.0.50", "owner", "wrong") for _ in range(4)] == [200] * 4
    assert _attempt(hub, "127.0.0.50", "owner", PASSWORD) == 302


def test_failures_from_one_ipv6_network_count_together_and_no_address_is_none(rf) -> None:
    import ipaddress

    from tmuxhub.accounts.ratelimit import login_ip

    seen = {login_ip(rf.get("/admin/login/", REMOTE_ADDR=f"2001:db8:1::{n}")) for n in ("5", "9", "beef")}
    assert len(seen) == 1
    ipaddress.ip_address(seen.pop() or "")  # a storable address, not a network
    assert login_ip(rf.get("/admin/login/", REMOTE_ADDR="")) is None
