"""Live panes (`/admin/panes/`): every pane of the hub's tmux server, the chosen one shown live and
read-only, with its colours (`tmuxhub.lib.ansi`); and the poll that keeps it fresh."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET
from pydantic import TypeAdapter, ValidationError

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.schemas import PaneInfo, PaneTarget
from bridge.screen import cap_bytes
from tmuxhub.lib import ansi

PANE_DEFAULT_LINES = 200
# The live view polls every 2 s while the pane changes, up to every 10 s while it does not, and not
# at all from a hidden tab; without JavaScript the page reloads itself every 10 s.
PANE_POLL_MS = 2000
PANE_IDLE_POLL_MS = 10000
PANE_RELOAD_SECONDS = 10
CLOSED = "its program ended or it was killed"
_pane_target = TypeAdapter(PaneTarget)


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
    # The hub's clock in its time zone, like the page's first "as of" ({% now "H:i:s T" %}).
    at = timezone.localtime().strftime("%H:%M:%S %Z")
    body: dict[str, Any] = {"target": target, "at": at, "panes_html": _pane_list_html(request, view)}
    if view.shown is None:
        return JsonResponse({**body, "error": view.error, "closed": bool(view.target)}, status=404)
    body.update(digest=view.digest, one_screen=view.one_screen)
    if request.GET.get("since") != view.digest:
        body.update(lines=view.lines, html=view.html)
    return JsonResponse(body)
