"""Removing someone ends their admin session at once, not at their next login (issue 13, item 1).

A staff person logs in to the admin with GitHub through the real hub; then the owner removes them,
unticks their staff box, or deactivates them. Their old cookie must get the login page everywhere
in the admin, including the live pane capture and the allow-list they could re-add themselves to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session

from tests.auth.oauth_client import TIMEOUT, form_fields
from tests.fakes.github import FakeGitHub
from tests.support.hub import Hub
from tmuxhub.accounts.models import AllowedGitHubUser

pytestmark = pytest.mark.django_db(transaction=True)

OWNER = ("owner", "correct horse battery staple")
ADD_ENTRY = "/admin/accounts/allowedgithubuser/add/"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _staff_logs_in_with_github(hub: Hub, github: FakeGitHub) -> httpx.Client:
    browser = httpx.Client(base_url=hub.url, timeout=TIMEOUT)
    to_login = browser.get("/admin/")
    assert to_login.status_code == 302
    login_page = browser.get(to_login.headers["location"])
    action, fields = form_fields(login_page.text)
    to_github = browser.post(action, data=fields)
    from_github = browser.get(to_github.headers["location"])
    completed = browser.get(from_github.headers["location"])
    assert completed.status_code == 302, completed.text
    assert browser.get("/admin/").status_code == 200
    return browser


def _owner_logs_in_with_password(hub: Hub) -> httpx.Client:
    get_user_model().objects.create_superuser(OWNER[0], password=OWNER[1])
    browser = httpx.Client(base_url=hub.url, timeout=TIMEOUT)
    page = browser.get("/admin/login/?next=/admin/")
    logged_in = browser.post(
        "/admin/login/?next=/admin/",
        data={"csrfmiddlewaretoken": _csrf(page.text), "username": OWNER[0], "password": OWNER[1]},
    )
    assert logged_in.status_code == 302, logged_in.text
    return browser


@pytest.fixture
def staff(github_hub: Hub, fake_github: FakeGitHub) -> Iterator[tuple[httpx.Client, AllowedGitHubUser]]:
    AllowedGitHubUser.objects.create(github_login="octocat", is_staff=True)
    browser = _staff_logs_in_with_github(github_hub, fake_github)
    entry = AllowedGitHubUser.objects.get(github_login="octocat")
    assert entry.user is not None and entry.user.is_superuser
    yield browser, entry
    browser.close()


def _locked_out(browser: httpx.Client, user_id: int) -> None:
    for path in ("/admin/", "/admin/panes/capture?target=main&lines=5", "/admin/accounts/allowedgithubuser/"):
        response = browser.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["location"].startswith("/admin/login/"), path
    readd = browser.post(
        ADD_ENTRY,
        data={
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            "github_login": "octocat-again",
            "is_staff": "on",
        },
    )
    assert readd.status_code == 302
    assert readd.headers["location"].startswith("/admin/login/")
    assert not AllowedGitHubUser.objects.filter(github_login="octocat-again").exists()
    user = get_user_model().objects.get(pk=user_id)
    assert not (user.is_staff or user.is_superuser)
    assert not any(str(s.get_decoded().get("_auth_user_id")) == str(user_id) for s in Session.objects.all())


def test_deleting_a_staff_entry_in_the_admin_ends_their_session(github_hub: Hub, staff) -> None:
    browser, entry = staff
    owner = _owner_logs_in_with_password(github_hub)
    delete_url = f"/admin/accounts/allowedgithubuser/{entry.pk}/delete/"
    confirm = owner.get(delete_url)
    deleted = owner.post(delete_url, data={"csrfmiddlewaretoken": _csrf(confirm.text), "post": "yes"})
    assert deleted.status_code == 302, deleted.text
    owner.close()
    _locked_out(browser, entry.user_id)


def test_unticking_staff_ends_their_session(staff) -> None:
    browser, entry = staff
    entry.is_staff = False
    entry.save()
    _locked_out(browser, entry.user_id)


def test_deactivating_a_staff_person_ends_their_session(staff) -> None:
    browser, entry = staff
    user = get_user_model().objects.get(pk=entry.user_id)
    user.is_active = False
    user.save()
    for path in ("/admin/", "/admin/panes/capture?target=main&lines=5"):
        assert browser.get(path).headers["location"].startswith("/admin/login/")
    assert not any(str(s.get_decoded().get("_auth_user_id")) == str(user.pk) for s in Session.objects.all())
    user.refresh_from_db()
    assert not (user.is_staff or user.is_superuser)


def test_a_person_who_stays_keeps_their_session(staff) -> None:
    browser, entry = staff
    entry.note = "edited"
    entry.save()
    user = get_user_model().objects.get(pk=entry.user_id)
    user.first_name = "Octo"
    user.save()
    assert browser.get("/admin/").status_code == 200
