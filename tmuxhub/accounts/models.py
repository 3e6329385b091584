"""Who may log in: the GitHub allow-list, managed in the admin and seeded from the environment."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models

TIER_CHOICES = [
    ("readonly", "read-only: look, never touch"),
    ("mutating", "mutating: type and create, never kill"),
    ("destructive", "destructive: everything, including kill"),
]


class AllowedGitHubUser(models.Model):
    """A GitHub account allowed to log in. The numeric id pins the person across login renames."""

    github_login = models.CharField(
        max_length=39, unique=True, help_text="GitHub username (case-insensitive)."
    )
    github_id = models.BigIntegerField(
        null=True, blank=True, unique=True, help_text="Filled in at first login; survives a rename."
    )
    tier = models.CharField(
        max_length=12,
        choices=TIER_CHOICES,
        blank=True,
        help_text="Caps this person's MCP tools; blank means the server's TMUXHUB_SAFETY_TIER.",
    )
    is_staff = models.BooleanField(default=False, help_text="May use the admin after logging in with GitHub.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="allow_list_entry",
        help_text="The account this GitHub user logs in as; linked at first login.",
    )

    class Meta:
        verbose_name = "allowed GitHub user"
        ordering = ["github_login"]

    def __str__(self) -> str:
        return self.github_login

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.github_login = self.github_login.strip().lower()
        super().save(*args, **kwargs)

    @classmethod
    def find(cls, github_id: int, github_login: str) -> AllowedGitHubUser | None:
        """The entry for a GitHub account: by pinned id first, else by a login not yet pinned.

        A login whose entry is pinned to another id is someone who took over a renamed login:
        they do not match.
        """
        by_id = cls.objects.filter(github_id=github_id).first()
        if by_id is not None:
            return by_id
        return cls.objects.filter(github_login=github_login.strip().lower(), github_id__isnull=True).first()

    @classmethod
    def seed(cls, logins: Iterable[str]) -> int:
        """Add the logins that are missing; entries made in the admin are never touched."""
        wanted = {login.strip().lower() for login in logins if login.strip()}
        existing = set(cls.objects.filter(github_login__in=wanted).values_list("github_login", flat=True))
        missing = sorted(wanted - existing)
        note = "from TMUXHUB_ALLOWED_GITHUB_USERS"
        AllowedGitHubUser.objects.bulk_create(
            [AllowedGitHubUser(github_login=login, note=note) for login in missing]
        )
        return len(missing)
