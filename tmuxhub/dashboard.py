"""The owner's admin pages beyond the model admins: the dashboard, people and tokens, a live pane.

Every view is wrapped in `admin.site.admin_view` (see `urlpatterns`): staff only, CSRF-protected,
never cached. The dashboard replaces the admin index (`/admin/`) and keeps the app list beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from pydantic import TypeAdapter, ValidationError

from abuse.models import Offender, RefusalDay, Report
from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.models import ToolCall
from bridge.schemas import PaneTarget
from bridge.screen import cap_bytes

from .accounts.models import AllowedGitHubUser
from .accounts.oauth import revoke_user_tokens

CHART_DAYS = 7
RECENT_TOOL_CALLS = 10
PANE_DEFAULT_LINES = 200
PANE_POLL_MS = 1000
_pane_target = TypeAdapter(PaneTarget)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    center: float
    label: str
    value: int
    day: date


@dataclass(frozen=True)
class BarChart:
    """Geometry of a small server-rendered SVG bar chart (one bar per day)."""

    title: str
    bars: list[Bar]
    top: int
    width: int = 360
    height: int = 170
    plot_top: int = 16
    plot_bottom: int = 140
    label_y: int = 160
    bar_width: float = 36.0

    @property
    def total(self) -> int:
        return sum(bar.value for bar in self.bars)


def bar_chart(title: str, days: list[date], values: dict[date, int]) -> BarChart:
    chart = BarChart(title=title, bars=[], top=max([*values.values(), 1]))
    step = chart.width / len(days)
    plot_height = chart.plot_bottom - chart.plot_top
    for index, day in enumerate(days):
        value = values.get(day, 0)
        height = plot_height * value / chart.top
        chart.bars.append(
            Bar(
                x=index * step + (step - chart.bar_width) / 2,
                y=chart.plot_bottom - height,
                height=height,
                center=index * step + step / 2,
                label=day.strftime("%a %d"),
                value=value,
                day=day,
            )
        )
    return chart


def _last_days(count: int) -> list[date]:
    today = timezone.now().date()
    return [today - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def dashboard_context() -> dict[str, Any]:
    """What the owner checks every day, each figure a link to the page that explains it."""
    days = _last_days(CHART_DAYS)
    refused = dict(RefusalDay.objects.filter(day__gte=days[0]).values_list("day", "refused"))
    reported = dict(
        Report.objects.filter(state=Report.State.SENT, reported_at__date__gte=days[0])
        .annotate(day=TruncDate("reported_at"))
        .values("day")
        .annotate(count=Count("id"))
        .values_list("day", "count")
    )
    status_counts = dict(Offender.objects.values("status").annotate(n=Count("id")).values_list("status", "n"))
    now = timezone.now()
    live = Q(accesstoken__user__isnull=False, accesstoken__expires__gt=now)
    clients = (
        get_application_model()
        .objects.annotate(
            live_tokens=Count("accesstoken", filter=live), last_token=Max("accesstoken__created")
        )
        .filter(live_tokens__gt=0)
        .order_by("-last_token")
    )
    return {
        "status_cards": [
            (status, label, status_counts.get(status, 0))
            for status, label in (
                (Offender.Status.PENDING, "pending"),
                (Offender.Status.STAGED, "staged"),
                (Offender.Status.REPORTED, "reported"),
            )
        ],
        "charts": [
            bar_chart("429 answers per day", days, refused),
            bar_chart("AbuseIPDB reports per day", days, reported),
        ],
        "tool_calls": ToolCall.objects.select_related("user")[:RECENT_TOOL_CALLS],
        "tool_calls_today": ToolCall.objects.filter(created_at__date=now.date()).aggregate(
            total=Count("id"), errors=Count("id", filter=Q(outcome=ToolCall.ERROR))
        ),
        "clients": clients[:20],
        "live_tokens": get_access_token_model().objects.filter(user__isnull=False, expires__gt=now).count(),
        "live_refresh_tokens": get_refresh_token_model().objects.filter(revoked__isnull=True).count(),
        "people": AllowedGitHubUser.objects.count(),
        "hits_total": Offender.objects.aggregate(n=Sum("hits"))["n"] or 0,
    }


def index(request: HttpRequest) -> TemplateResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Dashboard",
        "app_list": admin.site.get_app_list(request),
        **dashboard_context(),
    }
    return TemplateResponse(request, "admin/dashboard/index.html", context)


def login(request: HttpRequest) -> HttpResponse:
    """The admin's password login, plus "Log in with GitHub" when a GitHub app is configured."""
    return admin.site.login(request, extra_context={"github_login": bool(settings.SOCIAL_AUTH_GITHUB_KEY)})


def people(request: HttpRequest) -> TemplateResponse:
    """Allow-listed GitHub users with their live tokens, grouped by person."""
    now = timezone.now()
    tokens_by_user: dict[int, list[Any]] = {}
    for token in (
        get_access_token_model()
        .objects.filter(user__isnull=False, expires__gt=now)
        .select_related("application")
        .order_by("-created")
    ):
        tokens_by_user.setdefault(token.user_id, []).append(token)
    entries = [
        (entry, tokens_by_user.get(entry.user_id, []) if entry.user_id else [])
        for entry in AllowedGitHubUser.objects.select_related("user")
    ]
    context = {**admin.site.each_context(request), "title": "People and tokens", "entries": entries}
    return TemplateResponse(request, "admin/dashboard/people.html", context)


@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponseRedirect:
    """Revoke one access token; its refresh token too, so the client cannot quietly get another."""
    token = get_object_or_404(get_access_token_model(), pk=token_id, user__isnull=False)
    refresh = get_refresh_token_model().objects.filter(access_token=token, revoked__isnull=True).first()
    if refresh is not None:
        refresh.revoke()
    else:
        token.revoke()
    messages.success(request, f"Revoked a token of {token.user} for {token.application}.")
    return HttpResponseRedirect(reverse("dashboard-people"))


@require_POST
def revoke_person(request: HttpRequest, entry_id: int) -> HttpResponseRedirect:
    entry = get_object_or_404(AllowedGitHubUser.objects.select_related("user"), pk=entry_id)
    revoked = revoke_user_tokens(entry.user) if entry.user else 0
    messages.success(request, f"Revoked {revoked} token(s) of {entry}; they stay on the allow-list.")
    return HttpResponseRedirect(reverse("dashboard-people"))


def panes(request: HttpRequest) -> TemplateResponse:
    """Every pane of the hub's tmux server; the chosen one is shown live (read-only)."""
    error = ""
    try:
        pane_list = async_to_sync(tmux.list_panes)()
    except BridgeError as exc:
        pane_list, error = [], str(exc)
    selected = request.GET.get("target", "")
    if selected:
        try:
            selected = _pane_target.validate_python(selected)
        except ValidationError:
            error, selected = f"{selected[:80]!r} is not a pane: pick one from the list.", ""
    elif pane_list:
        selected = pane_list[0].id
    shown = next((pane for pane in pane_list if selected in (pane.id, pane.target)), None)
    context = {
        **admin.site.each_context(request),
        "title": "Live panes",
        "panes": pane_list,
        "selected": selected,
        "shown": shown,
        "error": error,
        "lines": PANE_DEFAULT_LINES,
        "poll_ms": PANE_POLL_MS,
    }
    return TemplateResponse(request, "admin/dashboard/panes.html", context)


@require_GET
def pane_capture(request: HttpRequest) -> JsonResponse:
    """`{"target", "lines": [...]}`: the pane's last lines, for the live view's polling."""
    try:
        target = _pane_target.validate_python(request.GET.get("target", ""))
    except ValidationError as exc:
        return JsonResponse({"error": exc.errors()[0]["msg"]}, status=400)
    limit = settings.TMUXHUB_CAPTURE_MAX_LINES
    try:
        lines = int(request.GET.get("lines", PANE_DEFAULT_LINES))
    except ValueError:
        lines = 0
    if not 1 <= lines <= limit:
        return JsonResponse({"error": f"lines must be a whole number from 1 to {limit}"}, status=400)
    try:
        rows = async_to_sync(tmux.capture)(target, lines)
    except BridgeError as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    kept, _ = cap_bytes(rows)  # the newest lines, when the capture is over the byte budget
    return JsonResponse({"target": target, "lines": kept})


def _staff(view: Any) -> Any:
    return admin.site.admin_view(view)


urlpatterns: list[URLPattern] = [
    path("", _staff(index), name="dashboard"),
    path("login/", login, name="dashboard-login"),
    path("people/", _staff(people), name="dashboard-people"),
    path("people/tokens/<int:token_id>/revoke", _staff(revoke_token), name="dashboard-revoke-token"),
    path("people/<int:entry_id>/revoke", _staff(revoke_person), name="dashboard-revoke-person"),
    path("panes/", _staff(panes), name="dashboard-panes"),
    path("panes/capture", _staff(pane_capture), name="dashboard-pane-capture"),
]
