"""How the admin pages say times, durations and clients: "just now", "3 min ago", "0.02 ms",
"Claude · octocat". A template library (`{% load hub %}`, see settings) and plain functions for the
model admins' columns.

    >>> duration_ms(0.017), duration_ms(3.24), duration_ms(1830.0)
    ('0.017 ms', '3.2 ms', '1.83 s')
    >>> count(1234567)
    '1,234,567'
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince, timeuntil
from oauth2_provider.models import get_application_model

register = template.Library()


@register.filter
def ago(moment: datetime | None) -> str:
    """ "just now" under a minute, else "5 minutes ago" (the two largest units)."""
    if moment is None:
        return "never"
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment)} ago"


@register.filter
def when(moment: datetime | None, precision: str = "minutes") -> str:
    """The one way pages write a moment: "7 Dec 2026, 20:41 UTC" (with seconds: "20:41:07 UTC"),
    in the hub's time zone (settings.TIME_ZONE), like the model admins' columns (tmuxhub/formats)."""
    if moment is None:
        return "never"
    local = timezone.localtime(moment)
    clock = "%H:%M:%S" if precision == "seconds" else "%H:%M"
    return f"{local.day} {local:%b %Y}, {local.strftime(clock)} {local.tzname()}"


@register.filter
def count(number: int | None) -> str:
    """A count with thousands separators: "1,234,567"."""
    return f"{number or 0:,}"


@register.filter
def within(moment: datetime | None) -> str:
    """ "in 58 minutes", or "now" for a moment under a minute away or past."""
    if moment is None or moment - timezone.now() < timedelta(minutes=1):
        return "now"
    return f"in {timeuntil(moment)}"


@register.filter
def duration_ms(milliseconds: float) -> str:
    """Two significant digits or more: what a tool call took, neither "0" nor false precision."""
    if milliseconds >= 1000:
        return f"{milliseconds / 1000:.3g} s"
    if milliseconds >= 10:
        return f"{milliseconds:.0f} ms"
    if milliseconds >= 1:
        return f"{milliseconds:.1f} ms"
    return f"{milliseconds:.2g} ms"


@register.filter
def person(user: Any) -> str | SafeString:
    """Who a person is in words they recognise: "Mona Lisa (@octocat on GitHub)". The local username
    is tmuxhub's own: when a local account already had the GitHub login's name, social-auth made it
    "octocat40917907b4d743c9", which its owner would not take for themselves."""
    try:
        login = user.allow_list_entry.github_login
    except (AttributeError, ObjectDoesNotExist):
        return str(user.get_username())
    name = user.get_full_name().strip()
    if name and name.lower() != login.lower():
        return format_html("{} (@{} on GitHub)", name, login)
    return format_html("@{} on GitHub", login)


def client_names(client_ids: Iterable[str]) -> dict[str, str]:
    """OAuth client id → the name it registered under; a deleted client says so with its id's start."""
    ids = set(client_ids)
    names = dict(get_application_model().objects.filter(client_id__in=ids).values_list("client_id", "name"))
    return {cid: (names.get(cid) or f"deleted client {cid[:8]}…") if cid else "no client" for cid in ids}
