"""The admin's login page: the password form, plus "Log in with GitHub" when a GitHub app is configured."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from tmuxhub.accounts import setup


def login(request: HttpRequest) -> HttpResponse:
    """On a first run (no superuser yet) it says how to make one: `createsuperuser` is not in any page."""
    return admin.site.login(
        request,
        extra_context={"github_login": setup.github_login_configured(), "has_owner": setup.has_owner()},
    )
