from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import ToolCall


@admin.register(ToolCall)
class ToolCallAdmin(admin.ModelAdmin):
    """The audit log is evidence: readable and filterable, never edited by hand."""

    list_display = ("created_at", "username", "client_id", "tool", "outcome", "duration", "digest", "error")
    list_filter = ("outcome", "tool", "created_at", "username", "client_id")
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("username", "client_id", "tool", "arguments_digest", "error")
    date_hierarchy = "created_at"
    list_select_related = ("user",)

    @admin.display(description="ms", ordering="duration_ms")
    def duration(self, call: ToolCall) -> str:
        return f"{call.duration_ms:.0f}"

    @admin.display(description="arguments", ordering="arguments_digest")
    def digest(self, call: ToolCall) -> str:
        """Enough of the digest to spot repeats; search takes the whole one."""
        return call.arguments_digest[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
