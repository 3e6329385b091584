"""Ending a person's browser sessions at once, when they lose access.

Sessions live in the database (settings `SESSION_ENGINE`), where a row names its user only inside
its signed data, so finding a user's sessions means reading the live ones: a hub has few, and this
runs only when someone is removed, unticked or deactivated.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone


def end_sessions(user_id: object) -> int:
    """Delete every live session of the user with this primary key; returns how many ended."""
    wanted = str(user_id)
    doomed = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY, "")) == wanted
    ]
    deleted, _ = Session.objects.filter(session_key__in=doomed).delete()
    return deleted
