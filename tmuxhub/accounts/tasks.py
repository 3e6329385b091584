"""Periodic housekeeping of the authorization server (scheduled by `AccountsConfig.ready` in apps.py)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from . import oauth


@shared_task
def expire_unused_clients() -> int:
    """Delete dynamically registered clients that never got a token; safe to run twice."""
    return oauth.expire_unused_clients(timedelta(hours=settings.TMUXHUB_DCR_UNUSED_CLIENT_HOURS))
