"""The owner's admin pages beyond the model admins: the dashboard, people and their sign-ins, the
live pane view; and the site's icon.

Every page but the login (and the icon) is wrapped in `admin.site.admin_view` (see `urlpatterns`):
staff only, CSRF-protected, never cached (the admin's translation catalogue alone is cached, a day).
The dashboard replaces the admin index (`/admin/`) and keeps the app list beside it. How times,
durations and clients read is in `humanize`, the pane's colours in `ansi`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import JavaScriptCatalog
from oauth2_provider.models import get_access_token_model, get_application_model, get_refresh_token_model
from pydantic import TypeAdapter, ValidationError

from abuse.models import Offender, RefusalDay, Report
from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.models import ToolCall
from bridge.schemas import PaneInfo, PaneTarget
from bridge.screen import cap_bytes

from . import ansi
from .accounts.models import TIER_CHOICES, AllowedGitHubUser
from .accounts.oauth import revoke_user_tokens
from .humanize import client_names

FAVICON = settings.BASE_DIR / "static" / "tmuxhub" / "favicon.svg"
CHART_DAYS = 7
RECENT_TOOL_CALLS = 10
PANE_DEFAULT_LINES = 200
# The live view polls every 2 s while the pane changes, up to every 10 s while it does not, and not
# at all from a hidden tab; without JavaScript the page reloads itself every 10 s.
PANE_POLL_MS = 2000
PANE_IDLE_POLL_MS = 10000
PANE_RELOAD_SECONDS = 10
CLOSED = "its program ended or it was killed"
_pane_target = TypeAdapter(PaneTarget)

# The header's links replace the stock sidebar: the pages get the width (a phone has none to spare)
# and each page two requests fewer.
admin.site.enable_nav_sidebar = False


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
    }
    return TemplateResponse(request, "admin/dashboard/index.html", context)


def login(request: HttpRequest) -> HttpResponse:
    """The admin's password login, plus "Log in with GitHub" when a GitHub app is configured."""
    return admin.site.login(request, extra_context={"github_login": bool(settings.SOCIAL_AUTH_GITHUB_KEY)})


@dataclass(frozen=True)
class SignIn:
    """A person's sign-in through one client: its newest access token, and how long it lasts.

    The access token is short-lived and renewed by the refresh token; DOT lets a refresh token be
    used until `REFRESH_TOKEN_EXPIRE_SECONDS` after its access token expired, so a sign-in in use
    never ends, and an unused one ends `ends` (unless revoked).
    """

    token: Any
    client: str
    ends: datetime
    last_used: datetime | None

    @property
    def access_expired(self) -> bool:
        return bool(self.token.expires <= timezone.now())


def sign_ins(now: datetime) -> dict[int, list[SignIn]]:
    """Live sign-ins by user id, newest first: an unexpired access token, or a refresh token that
    can still renew its expired one."""
    lifetime = timedelta(seconds=settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"])
    renewable = Q(
        refresh_token__isnull=False, refresh_token__revoked__isnull=True, expires__gt=now - lifetime
    )
    tokens = list(
        get_access_token_model()
        .objects.filter(renewable | Q(expires__gt=now), user__isnull=False)
        .select_related("application", "refresh_token")
        .order_by("-created")
    )
    last_used = {
        (row["user_id"], row["client_id"]): row["last"]
        for row in ToolCall.objects.filter(user_id__in={token.user_id for token in tokens})
        .values("user_id", "client_id")
        .annotate(last=Max("created_at"))
    }
    by_user: dict[int, list[SignIn]] = {}
    for token in tokens:
        refresh = getattr(token, "refresh_token", None)
        ends = token.expires + lifetime if refresh is not None and refresh.revoked is None else token.expires
        client = token.application.name or token.application.client_id
        used = last_used.get((token.user_id, token.application.client_id))
        by_user.setdefault(token.user_id, []).append(SignIn(token, client, ends, used))
    return by_user


def people(request: HttpRequest) -> TemplateResponse:
    """Allow-listed GitHub users with their sign-ins (one per client), grouped by person."""
    by_user = sign_ins(timezone.now())
    tiers = dict(TIER_CHOICES)
    entries = [
        (
            entry,
            tiers[entry.tier] if entry.tier else f"server tier: {tiers[settings.TMUXHUB_SAFETY_TIER]}",
            by_user.get(entry.user_id, []) if entry.user_id else [],
        )
        for entry in AllowedGitHubUser.objects.select_related("user")
    ]
    context = {
        **admin.site.each_context(request),
        "title": "People and their sign-ins",
        "entries": entries,
        "access_minutes": settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"] // 60,
        "refresh_days": settings.OAUTH2_PROVIDER["REFRESH_TOKEN_EXPIRE_SECONDS"] // 86400,
    }
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
    messages.success(request, f"Revoked {token.user}'s sign-in through {token.application}.")
    return HttpResponseRedirect(reverse("dashboard-people"))


@require_POST
def revoke_person(request: HttpRequest, entry_id: int) -> HttpResponseRedirect:
    entry = get_object_or_404(AllowedGitHubUser.objects.select_related("user"), pk=entry_id)
    revoked = revoke_user_tokens(entry.user) if entry.user else 0
    messages.success(request, f"Revoked {revoked} token(s) of {entry}; they stay on the allow-list.")
    return HttpResponseRedirect(reverse("dashboard-people"))


@dataclass(frozen=True)
class PaneView:
    """What the live view shows: the hub's panes, and the chosen one's screen (or why it cannot)."""

    panes: list[PaneInfo]
    target: str
    shown: PaneInfo | None
    one_screen: bool = False
    html: str = ""
    lines: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.html.encode()).hexdigest()[:16]


def _pane_view(target: str, lines: int) -> PaneView:
    """List the panes and capture `target` (with colours); a pane that is gone is said so plainly."""
    try:
        pane_list = async_to_sync(tmux.list_panes)()
    except BridgeError:
        pane_list = []
    if not target:
        if not pane_list:
            return PaneView(pane_list, "", None, error="No tmux session is running on the hub's tmux server.")
        target = pane_list[0].id
    shown = next((pane for pane in pane_list if target in (pane.id, pane.target)), None)
    if shown is None:
        return PaneView(pane_list, target, None, error=f"Pane {target} is closed: {CLOSED}.")
    try:
        rows, history = async_to_sync(_capture)(shown.id, lines)
    except BridgeError:
        return PaneView(pane_list, target, None, error=f"Pane {target} closed just now: {CLOSED}.")
    kept, _ = cap_bytes(rows)  # the newest lines, when the capture is over the byte budget
    # One screen: a full-screen program, or a pane that never scrolled (`top` draws without the
    # alternate screen). Shown from its top instead of followed at the bottom.
    one_screen = shown.full_screen or history == 0
    return PaneView(pane_list, target, shown, one_screen, ansi.to_html(kept), ansi.plain(kept))


async def _capture(pane: str, lines: int) -> tuple[list[str], int]:
    rows = await tmux.capture(pane, lines, ansi=True)
    return rows, int((await tmux.display(pane, "history_size"))[0])


def _pane_list_html(request: HttpRequest, view: PaneView) -> str:
    return render_to_string("admin/dashboard/pane_list.html", {"view": view}, request)


def panes(request: HttpRequest) -> TemplateResponse:
    """Every pane of the hub's tmux server; the chosen one shown live, read-only.

    The page carries the pane's screen itself, so it works without JavaScript (it then reloads
    itself); with JavaScript it polls `pane_capture`, less often while nothing changes.
    """
    target = request.GET.get("target", "")
    try:
        target = _pane_target.validate_python(target) if target else ""
    except ValidationError:
        target = ""
        view = PaneView([], "", None, error="That is not a pane: pick one from the list.")
    else:
        view = _pane_view(target, PANE_DEFAULT_LINES)
    context = {
        **admin.site.each_context(request),
        "title": "Live panes",
        "view": view,
        "capture_url": reverse("dashboard-pane-capture")
        + "?"
        + urlencode({"target": view.target, "lines": str(PANE_DEFAULT_LINES)}),
        "poll_ms": PANE_POLL_MS,
        "idle_ms": PANE_IDLE_POLL_MS,
        "reload_seconds": PANE_RELOAD_SECONDS,
    }
    return TemplateResponse(request, "admin/dashboard/panes.html", context)


@require_GET
def pane_capture(request: HttpRequest) -> JsonResponse:
    """The live view's poll: the pane's lines as text and as HTML, whether it is full-screen, and the
    pane list. With `since=<digest>` and nothing changed, the lines are left out."""
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
    view = _pane_view(target, lines)
    body: dict[str, Any] = {"target": target, "panes_html": _pane_list_html(request, view)}
    if view.shown is None:
        return JsonResponse({**body, "error": view.error, "closed": bool(view.target)}, status=404)
    body.update(digest=view.digest, one_screen=view.one_screen)
    if request.GET.get("since") != view.digest:
        body.update(lines=view.lines, html=view.html)
    return JsonResponse(body)


def _staff(view: Any) -> Any:
    return admin.site.admin_view(view)


# The admin's translation catalogue, which every list and form page loads: staff only as before,
# but cached by the browser for a day instead of asked for on every page.
_javascript_catalog = cache_control(private=True, max_age=24 * 3600)(
    JavaScriptCatalog.as_view(packages=["django.contrib.admin"])
)


@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on every page that names no icon (JSON, the login)."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")


urlpatterns: list[URLPattern] = [
    path("", _staff(index), name="dashboard"),
    path("login/", login, name="dashboard-login"),
    path("people/", _staff(people), name="dashboard-people"),
    path("people/tokens/<int:token_id>/revoke", _staff(revoke_token), name="dashboard-revoke-token"),
    path("people/<int:entry_id>/revoke", _staff(revoke_person), name="dashboard-revoke-person"),
    path("panes/", _staff(panes), name="dashboard-panes"),
    path("panes/capture", _staff(pane_capture), name="dashboard-pane-capture"),
    path("jsi18n/", admin.site.admin_view(_javascript_catalog, cacheable=True)),
]
