"""How the admin pages say times, durations and clients: "just now", "3 min ago", "0.02 ms",
"Claude · octocat". A template library (`{% load hub %}`, see settings) and plain functions for the
model admins' columns.

    >>> duration_ms(0.017), duration_ms(3.24), duration_ms(1830.0)
    ('0.017 ms', '3.2 ms', '1.83 s')
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
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


def client_names(client_ids: Iterable[str]) -> dict[str, str]:
    """OAuth client id → the name it registered under; a deleted client says so with its id's start."""
    ids = set(client_ids)
    names = dict(get_application_model().objects.filter(client_id__in=ids).values_list("client_id", "name"))
    return {cid: (names.get(cid) or f"deleted client {cid[:8]}…") if cid else "no client" for cid in ids}
