"""The dashboard (`/admin/`, replacing the admin index): offenders by state, the week's 429 answers and
AbuseIPDB reports as small server-rendered SVG bar charts, recent tool calls, clients with live tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model

from abuse.models import Offender, RefusalDay, Report
from bridge.models import ToolCall
from tmuxhub.accounts import setup
from tmuxhub.accounts.models import AllowedGitHubUser
from tmuxhub.lib.humanize import client_names

CHART_DAYS = 7
RECENT_TOOL_CALLS = 10


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
    empty: str  # said instead of a flat chart
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


def bar_chart(title: str, empty: str, days: list[date], values: dict[date, int]) -> BarChart:
    chart = BarChart(title=title, empty=empty, bars=[], top=max([*values.values(), 1]))
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
    clients = list(
        get_application_model()
        .objects.annotate(
            live_tokens=Count("accesstoken", filter=live), last_token=Max("accesstoken__created")
        )
        .filter(live_tokens__gt=0)
        .order_by("-last_token")[:20]
    )
    holders: dict[int, set[str]] = {}
    for application_id, username in (
        get_access_token_model()
        .objects.filter(application__in=clients, user__isnull=False, expires__gt=now)
        .values_list("application_id", "user__username")
    ):
        holders.setdefault(application_id, set()).add(username)
    tool_calls = list(ToolCall.objects.select_related("user")[:RECENT_TOOL_CALLS])
    names = client_names(call.client_id for call in tool_calls)
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
            bar_chart("429 answers per day", "Nobody was refused in the last 7 days.", days, refused),
            bar_chart(
                "AbuseIPDB reports per day", "Nothing was reported in the last 7 days.", days, reported
            ),
        ],
        "tool_calls": [(call, names[call.client_id]) for call in tool_calls],
        "tool_calls_today": ToolCall.objects.filter(created_at__date=now.date()).aggregate(
            total=Count("id"), errors=Count("id", filter=Q(outcome=ToolCall.ERROR))
        ),
        "clients": [(client, sorted(holders.get(client.pk, ()))) for client in clients],
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
        "gaps": setup.gaps(),
        "mcp_url": settings.MCP_RESOURCE_URL,
    }
    return TemplateResponse(request, "admin/dashboard/index.html", context)
