"""What a hub still lacks before it is of use (a GitHub app, someone on the allow-list, an AbuseIPDB key),
said where the owner looks first: `/`, the dashboard and the admin's login. A template library too
(`{% load hub_setup %}`, see settings) for pages rendered by others (django-axes' lockout page).
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.contrib.auth import get_user_model

from .models import AllowedGitHubUser

register = template.Library()


@dataclass(frozen=True)
class Gap:
    key: str
    what: str  # what does not work yet
    how: str  # what to do about it


@register.simple_tag
def github_login_configured() -> bool:
    """Whether pages offer "Log in with GitHub" (a GitHub app's client id is set)."""
    return bool(settings.SOCIAL_AUTH_GITHUB_KEY)


def has_owner() -> bool:
    return get_user_model().objects.filter(is_superuser=True, is_active=True).exists()


def gaps() -> list[Gap]:
    """What is missing, most blocking first; [] once the hub is set up."""
    missing = []
    if not (settings.SOCIAL_AUTH_GITHUB_KEY and settings.SOCIAL_AUTH_GITHUB_SECRET):
        missing.append(
            Gap(
                "github",
                "Nobody can log in from Claude yet: no GitHub app is configured.",
                "Create a GitHub OAuth app (github.com → Settings → Developer settings) with the callback "
                f"URL {settings.TMUXHUB_PUBLIC_URL}/complete/github/, put its id and secret in "
                "GITHUB_CLIENT_ID "
                "and GITHUB_CLIENT_SECRET, and restart tmuxhub.",
            )
        )
    if not AllowedGitHubUser.objects.exists():
        missing.append(
            Gap(
                "allow-list",
                "Nobody is on the allow-list: every GitHub login is refused.",
                "Name the GitHub logins allowed in TMUXHUB_ALLOWED_GITHUB_USERS (comma separated) and "
                "restart, or add them in the admin: People → Allow a GitHub user.",
            )
        )
    if not settings.ABUSEIPDB_KEY:
        missing.append(
            Gap(
                "abuseipdb",
                "Offenders are collected and reviewed, but cannot be reported to AbuseIPDB.",
                "Create a key at abuseipdb.com (Account → API), put it in ABUSEIPDB_KEY and restart tmuxhub "
                "and its worker. Optional.",
            )
        )
    return missing
