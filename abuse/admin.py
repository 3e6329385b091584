"""Abuse review: pending, staged and reported offenders with their evidence, and the actions on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .categories import Reason, categories_for
from .models import Enrichment, Offender, Report, RequestSample
from .reporting import ReportRefused, build_comment, prepare
from .store import lift_ban
from .tasks import BrokerDown, enrich, queue_task, submit


class RequestSampleInline(admin.TabularInline):
    model = RequestSample
    extra = 0
    can_delete = False
    fields = ("at", "method", "path", "user_agent", "reason")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EnrichmentInline(admin.StackedInline):
    model = Enrichment
    extra = 0
    can_delete = False
    readonly_fields = (
        "asn",
        "holder",
        "prefix",
        "country",
        "rir",
        "abuse_contact",
        "looked_up_at",
        "errors",
        "attempts",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    can_delete = False
    fields = (
        "state",
        "categories",
        "created_at",
        "last_attempt_at",
        "reported_at",
        "attempts",
        "error",
        "response",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Offender)
class OffenderAdmin(admin.ModelAdmin):
    list_display = ("ip", "status", "hits", "country", "asn", "categories", "first_seen", "last_seen")
    list_filter = ("status", "enrichment__country", "last_seen")
    search_fields = ("ip", "enrichment__holder", "enrichment__asn", "note")
    readonly_fields = (
        "ip",
        "hits",
        "throttled_hits",
        "banned_hits",
        "exploit_hits",
        "not_found_hits",
        "auth_failures",
        "sample_count",
        "first_seen",
        "last_seen",
        "not_reportable_because",
    )
    fields = ("status", "note", *readonly_fields)
    inlines = (EnrichmentInline, RequestSampleInline, ReportInline)
    actions = ("enrich_now", "submit_reports", "dismiss", "allow_list")
    date_hierarchy = "last_seen"
    show_facets = admin.ShowFacets.ALWAYS  # counts beside each status filter
    # The evidence (enrichment, categories, samples) side by side above the form, with the actions.
    change_form_template = "admin/abuse/offender/change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offender]:
        return super().get_queryset(request).select_related("enrichment")

    @admin.display(description="country")
    def country(self, obj: Offender) -> str:
        return getattr(getattr(obj, "enrichment", None), "country", "")

    @admin.display(description="ASN")
    def asn(self, obj: Offender) -> str:
        return getattr(getattr(obj, "enrichment", None), "asn", "")

    @admin.display(description="categories")
    def categories(self, obj: Offender) -> str:
        return ", ".join(str(c) for c in categories_for(obj.reason_counts()))

    @admin.display(description="not reportable because")
    def not_reportable_because(self, obj: Offender) -> str:
        return obj.unreportable_reason or "(it is reportable)"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        offender = self.get_object(request, object_id)
        if offender is not None:
            paths = offender.samples.values_list("path", flat=True)[:50]
            extra_context = {
                **(extra_context or {}),
                "review_categories": categories_for(offender.reason_counts(), paths),
                "review_comment": build_comment(offender),
                "review_reasons": [(Reason(r).label, n) for r, n in offender.reason_counts().items() if n],
                "review_actions": [
                    (name, action[2])
                    for name, action in self.get_actions(request).items()
                    if action and name != "delete_selected"  # the form has its own Delete link
                ],
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Enrich now (RIPE Stat)")
    def enrich_now(self, request: HttpRequest, queryset: QuerySet[Offender]) -> None:
        pks = list(queryset.values_list("pk", flat=True))
        try:
            for pk in pks:
                queue_task(enrich, pk, force=True)
        except BrokerDown as down:
            self.message_user(request, str(down), messages.ERROR)
            return
        self.message_user(request, f"Enrichment queued for {len(pks)} offender(s).")

    @admin.action(description="Submit to AbuseIPDB")
    def submit_reports(self, request: HttpRequest, queryset: QuerySet[Offender]) -> None:
        """Decides here, per IP, what may be sent (so a refusal is shown, not hidden in a task), and
        queues one task per report row; the worker's outcome lands on that row."""
        if not settings.ABUSEIPDB_KEY:
            self.message_user(
                request, "ABUSEIPDB_KEY is not set: add it to the environment and restart.", messages.ERROR
            )
            return
        queued = []
        for offender in queryset:
            try:
                report = prepare(offender.pk)
            except ReportRefused as refused:
                self.message_user(request, f"{offender.ip}: not queued: {refused}", messages.WARNING)
                continue
            try:
                queue_task(submit, report.pk)
            except BrokerDown as down:
                self.message_user(request, f"{offender.ip} and the rest: not queued: {down}", messages.ERROR)
                break
            queued.append(offender.ip)
        if queued:
            self.message_user(
                request,
                f"Queued for AbuseIPDB: {', '.join(queued)}. The worker sends them; each offender's page "
                "shows its report's state, attempts and last error.",
            )

    @admin.action(description="Dismiss (do not report)")
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Offender]) -> None:
        count = queryset.update(status=Offender.Status.DISMISSED)
        self.message_user(request, f"{count} offender(s) dismissed.")

    @admin.action(description="Allow-list IP (never throttle or ban)")
    def allow_list(self, request: HttpRequest, queryset: QuerySet[Offender]) -> None:
        ips = list(queryset.values_list("ip", flat=True))
        queryset.update(status=Offender.Status.ALLOWLISTED)
        for ip in ips:
            lift_ban(ip)
        self.message_user(request, f"{len(ips)} IP(s) allow-listed; their bans are lifted.")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("offender", "state", "categories", "created_at", "reported_at", "attempts", "error")
    list_filter = ("state", "reported_at")
    search_fields = ("offender__ip", "comment")
    readonly_fields = (
        "offender",
        "state",
        "categories",
        "comment",
        "attack_time",
        "response",
        "error",
        "attempts",
        "last_attempt_at",
        "lease_until",
        "created_at",
        "reported_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
