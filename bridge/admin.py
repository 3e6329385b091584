from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import ToolCall


@admin.register(ToolCall)
class ToolCallAdmin(admin.ModelAdmin):
    """The audit log is evidence: readable and filterable, never edited by hand."""

    list_display = ("created_at", "username", "client_id", "tool", "outcome", "duration_ms", "error")
    list_filter = ("outcome", "tool", "created_at", "username")
    search_fields = ("username", "client_id", "tool", "arguments_digest", "error")
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
