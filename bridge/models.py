"""The audit log: one row per MCP tool call."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ToolCall(models.Model):
    """A tool call: who, through which client, what tool, and how it went.

    The arguments are kept only as a digest (sha256 of their canonical JSON): they may hold secrets
    (prompts, commands), and a digest still tells identical calls apart.
    """

    OK = "ok"
    ERROR = "error"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="tool_calls"
    )
    username = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    client_id = models.CharField(max_length=255, blank=True, db_index=True, help_text="OAuth client.")
    tool = models.CharField(max_length=100, db_index=True)
    arguments_digest = models.CharField(max_length=64, help_text="sha256 of the arguments' canonical JSON.")
    outcome = models.CharField(max_length=5, choices=[(OK, "ok"), (ERROR, "error")], db_index=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.FloatField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["tool", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.tool} by {self.username or 'anonymous'} ({self.outcome})"
