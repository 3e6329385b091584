"""People (`/admin/people/`): the allow-listed GitHub users, each with their sign-ins (one per client),
and the buttons that end one sign-in or all of a person's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from oauth2_provider.settings import oauth2_settings

from bridge.models import ToolCall
from tmuxhub.accounts.models import TIER_CHOICES, AllowedGitHubUser
from tmuxhub.accounts.oauth import revoke_user_tokens


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
    lifetime = timedelta(seconds=oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)
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
        "access_minutes": oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS // 60,
        "refresh_days": oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS // 86400,
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
