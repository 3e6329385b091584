"""The admin's login page: the password form, plus "Log in with GitHub" when a GitHub app is configured."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse


def login(request: HttpRequest) -> HttpResponse:
    return admin.site.login(request, extra_context={"github_login": bool(settings.SOCIAL_AUTH_GITHUB_KEY)})
