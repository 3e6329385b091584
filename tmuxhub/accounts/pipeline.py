"""social-auth pipeline steps: only allow-listed GitHub accounts get in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from social_core.backends.base import BaseAuth
from social_core.exceptions import AuthPolicyError

from .models import AllowedGitHubUser


def require_allow_listed(
    backend: BaseAuth[Any], uid: str, details: dict[str, Any], *args: Any, **kwargs: Any
) -> dict[str, Any]:
    """Stop the login before any account is created unless the GitHub account is allow-listed."""
    login = str(details.get("username") or "")
    entry = AllowedGitHubUser.find(github_id=int(uid), github_login=login)
    if entry is None:
        raise AuthPolicyError(
            backend,
            f"The GitHub account {login!r} is not on this tmuxhub's allow-list.",
            code="authentication_disallowed",
            stage="pipeline",
        )
    return {"allow_list_entry": entry}


def link_allow_list_entry(
    uid: str,
    details: dict[str, Any],
    allow_list_entry: AllowedGitHubUser,
    user: User | None = None,
    *args: Any,
    **kwargs: Any,
) -> None:
    """Pin the GitHub id (a renamed login keeps its access), link the account, apply staff."""
    if user is None:
        return
    allow_list_entry.github_id = int(uid)
    login = str(details.get("username") or "").lower()
    # Follow a rename, unless another entry already holds the new login (the admin sorts that out).
    if (
        login
        and not AllowedGitHubUser.objects.filter(github_login=login).exclude(pk=allow_list_entry.pk).exists()
    ):
        allow_list_entry.github_login = login
    allow_list_entry.user = user
    allow_list_entry.save()
    # Staff run the whole admin (a staff flag without permissions would show an empty admin); the
    # allow-list's checkbox is the one switch, turned off at the next login when unticked.
    staff = allow_list_entry.is_staff
    if (user.is_staff, user.is_superuser) != (staff, staff):
        user.is_staff = user.is_superuser = staff
        user.save(update_fields=["is_staff", "is_superuser"])
