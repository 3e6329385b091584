"""The audit log in the admin: evidence, so it is read and filtered here, never edited or deleted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from oauth2_provider.models import get_application_model

from tmuxhub.lib.humanize import ago, client_names, duration_ms, when

from . import audit
from .models import ToolCall

# Gaps in the audit log (calls not recorded while the database could not be written) are announced
# on its page for this many days.
LOST_NOTICE_DAYS = 7


class ClientFilter(admin.SimpleListFilter):
    """Clients by the name they registered under: Claude registers a new client id on every
    connection, so one name stands for all of its ids."""

    title = "client"
    parameter_name = "client"

    def _names(self) -> dict[str, str]:
        return client_names(ToolCall.objects.values_list("client_id", flat=True).distinct())

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in sorted(set(self._names().values()), key=str.lower)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ToolCall]) -> QuerySet[ToolCall]:
        if self.value() is None:
            return queryset
        return queryset.filter(
            client_id__in=[cid for cid, name in self._names().items() if name == self.value()]
        )


@admin.register(ToolCall)
class ToolCallAdmin(admin.ModelAdmin[ToolCall]):
    list_display = ("when", "username", "client", "tool", "outcome", "duration", "digest", "error")
    list_filter = ("outcome", "tool", "created_at", "username", ClientFilter)
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ("username", "client_id", "tool", "arguments_digest", "error")
    date_hierarchy = "created_at"
    list_per_page = 25
    list_select_related = ("user",)
    fields = (
        *("created_at", "username", "user", "client", "client_id"),
        *("tool", "outcome", "error", "duration", "arguments_digest"),
    )
    readonly_fields = ("client", "duration")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        self._warn_about_gaps(request)
        return super().changelist_view(request, extra_context)

    def _warn_about_gaps(self, request: HttpRequest) -> None:
        """Staff hear of audit rows lost (recorded as rows of their own) or still waiting for the database."""
        waiting, lost = audit.backlog()
        if waiting or lost:
            self.message_user(
                request,
                f"{waiting} audit rows are waiting for the database to take them (TMUXHUB_AUDIT_BUFFER_ROWS "
                f"holds {settings.TMUXHUB_AUDIT_BUFFER_ROWS}); {lost} calls were not recorded since it "
                "failed. Check /healthz and the hub's log.",
                messages.ERROR,
            )
        since = timezone.now() - timedelta(days=LOST_NOTICE_DAYS)
        gaps = ToolCall.objects.filter(tool=audit.LOST_TOOL, created_at__gte=since)
        for gap in gaps[:5]:
            self.message_user(request, f"Audit log gap: {gap.error}", messages.WARNING)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ToolCall]:
        names = get_application_model().objects.filter(client_id=OuterRef("client_id")).values("name")[:1]
        return super().get_queryset(request).annotate(client_name=Subquery(names))

    @admin.display(description="when", ordering="created_at")
    def when(self, call: ToolCall) -> str:
        return format_html('<span title="{}">{}</span>', when(call.created_at), ago(call.created_at))

    @admin.display(description="client", ordering="client_name")
    def client(self, call: ToolCall) -> str:
        name = getattr(call, "client_name", None)
        if name:
            return str(name)
        return client_names([call.client_id])[call.client_id]  # deleted or nameless: says which

    @admin.display(description="took", ordering="duration_ms")
    def duration(self, call: ToolCall) -> str:
        return duration_ms(call.duration_ms)

    @admin.display(description="arguments", ordering="arguments_digest")
    def digest(self, call: ToolCall) -> str:
        """Enough of the digest to spot repeats; search takes the whole one."""
        return call.arguments_digest[:12]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False
