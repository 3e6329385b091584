"""Abuse review: pending, staged and reported offenders with their evidence, and the actions on them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme

from tmuxhub.lib.humanize import ago, count, when
from tmuxhub.lib.netkey import rate_key

from . import knowngood
from .categories import Reason, categories_for, category_name
from .models import Enrichment, Offender, Report
from .reporting import ReportRefused, build_comment, prepare
from .store import lift_ban
from .tasks import BrokerDown, enrich, queue_task, submit


class StatusFilter(admin.SimpleListFilter):
    """By status; by default only what needs the owner (pending and staged), not what is settled."""

    title = "status"
    parameter_name = "status__exact"  # the stock filter's name: older links keep working
    OPEN = (Offender.Status.PENDING, Offender.Status.STAGED)

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "needs review (pending, staged)"), *Offender.Status.choices, ("all", "all")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Offender]) -> QuerySet[Offender]:
        value = self.value() or "open"
        if value == "open":
            return queryset.filter(status__in=self.OPEN)
        return queryset if value == "all" else queryset.filter(status=value)

    def choices(self, changelist: Any) -> Any:
        # "needs review" is what no parameter means, so it shows as selected then.
        for choice in super().choices(changelist):
            if choice["display"] == "All":
                continue
            if self.value() is None and choice["query_string"].endswith("status__exact=open"):
                choice["selected"] = True
            yield choice


def _known(value: str | None) -> str | None:
    """An enrichment field, or None when RIPE Stat did not say (stored as "unknown")."""
    return None if not value or value == Enrichment.UNKNOWN else value


@admin.register(Offender)
class OffenderAdmin(admin.ModelAdmin[Offender]):
    list_display = ("ip", "status_chip", "hit_count", "country", "asn", "category_names", "last_seen_ago")
    list_filter = (StatusFilter, "enrichment__country", "last_seen")
    search_fields = ("ip", "enrichment__holder", "enrichment__asn", "note")
    # Everything else is shown once, in the review above the form (change_form.html).
    fields = ("status", "note")
    actions = ("enrich_now", "submit_reports", "dismiss", "allow_list")
    date_hierarchy = "last_seen"
    list_per_page = 25  # a phone's worth of cards; the paginator says how many more
    show_facets = admin.ShowFacets.ALWAYS  # counts beside each status filter
    change_form_template = "admin/abuse/offender/change_form.html"
    known_good_networks: frozenset[str] = frozenset()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offender]:
        return super().get_queryset(request).select_related("enrichment").prefetch_related("reason_rows")

    @admin.display(description="status", ordering="status")
    def status_chip(self, obj: Offender) -> str:
        short = obj.status.replace("_", " ").replace("allowlisted", "allow-listed")
        chip = format_html(
            '<span class="hub-chip hub-chip-{}" title="{}">{}</span>',
            obj.status,
            obj.get_status_display(),
            short,
        )
        if rate_key(obj.ip) not in self.known_good_networks:
            return chip
        # Presented a valid token or staff session lately: never staged or reported (knowngood.py).
        return format_html(
            '{} <span class="hub-chip hub-chip-known-good" title="{}">known good</span>',
            chip,
            knowngood.KNOWN_GOOD,
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        self.known_good_networks = knowngood.recent_networks()  # one query for the whole page
        extra_context = {**(extra_context or {}), "abuseipdb_key": bool(settings.ABUSEIPDB_KEY)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="hits", ordering="hits")
    def hit_count(self, obj: Offender) -> str:
        return count(obj.hits)

    @admin.display(description="country", ordering="enrichment__country")
    def country(self, obj: Offender) -> str:
        return self._enrichment_field(obj, "country")

    @admin.display(description="ASN", ordering="enrichment__asn")
    def asn(self, obj: Offender) -> str:
        return self._enrichment_field(obj, "asn")

    @staticmethod
    def _enrichment_field(obj: Offender, field: str) -> str:
        enrichment = getattr(obj, "enrichment", None)
        if enrichment is None:
            return format_html('<span class="hub-missing" title="{}">—</span>', "not looked up yet")
        value = _known(getattr(enrichment, field))
        return value or format_html('<span class="hub-missing" title="{}">—</span>', "RIPE Stat did not say")

    @admin.display(description="categories")
    def category_names(self, obj: Offender) -> str:
        return ", ".join(category_name(c) for c in categories_for(obj.reason_counts()))

    @admin.display(description="last seen", ordering="last_seen")
    def last_seen_ago(self, obj: Offender) -> str:
        return format_html('<span title="{}">{}</span>', when(obj.last_seen), ago(obj.last_seen))

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> Any:
        """An action started on an offender's page returns there, with its message."""
        response = super().response_action(request, queryset, *args, **kwargs)
        back = request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure())
        if back and safe and isinstance(response, HttpResponseRedirect):
            return HttpResponseRedirect(back)
        return response

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
                "review_enrichment": _enrichment_rows(getattr(offender, "enrichment", None)),
                "review_categories": [
                    f"{category_name(c)} ({c})" for c in categories_for(offender.reason_counts(), paths)
                ],
                "review_comment": build_comment(offender),
                "review_known_good": knowngood.KNOWN_GOOD if knowngood.is_known_good(offender.ip) else "",
                "review_reasons": [(Reason.label_of(r), n) for r, n in offender.reason_counts().items() if n],
                "review_reports": offender.reports.all()[:5],
                "abuseipdb_key": bool(settings.ABUSEIPDB_KEY),
                "review_actions": [
                    (name, action[2], *_look(name, offender))
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
                self.message_user(
                    request,
                    f"{offender.ip} and the rest: not queued: {down} ({offender.ip}'s report is kept: the "
                    "worker sends it by itself a few minutes after the broker is back.)",
                    messages.ERROR,
                )
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


# Button class and question per action on the offender's page: reporting is public and cannot be
# withdrawn, allow-listing lifts every limit; enriching and dismissing are easy to undo.
_ACTION_LOOK = {
    "submit_reports": ("hub-primary", "Report {ip} to AbuseIPDB? Reports are public and stay."),
    "allow_list": ("", "Allow-list {ip}? It will never be throttled or banned again."),
}


def _look(action: str, offender: Offender) -> tuple[str, str]:
    css, question = _ACTION_LOOK.get(action, ("", ""))
    return css, question.format(ip=offender.ip)


def _enrichment_rows(enrichment: Enrichment | None) -> list[tuple[str, str | None]]:
    """(label, value or None when RIPE Stat did not say) for the review."""
    if enrichment is None:
        return []
    return [
        ("ASN", _known(enrichment.asn)),
        ("Holder", _known(enrichment.holder)),
        ("Prefix", _known(enrichment.prefix)),
        ("Country", _known(enrichment.country)),
        ("RIR", _known(enrichment.rir)),
        ("Abuse contact", _known(enrichment.abuse_contact)),
    ]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    list_display = ("offender", "state", "category_names", "created_at", "reported_at", "attempts", "error")
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

    @admin.display(description="categories")
    def category_names(self, report: Report) -> str:
        return ", ".join(category_name(c) for c in report.categories)
