"""Who may log in: the GitHub allow-list, managed in the admin and seeded from the environment."""

from __future__ import annotations

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

    class Meta:
        verbose_name = "allowed GitHub user"
        ordering = ["github_login"]

    def __str__(self) -> str:
        return self.github_login

    def save(self, *args, **kwargs):
        self.github_login = self.github_login.strip().lower()
        super().save(*args, **kwargs)
