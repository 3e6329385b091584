"""manage.py expire_unused_clients [--hours N]: delete DCR clients that never got a token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tmuxhub.accounts.oauth import expire_unused_clients


class Command(BaseCommand):
    help = "Delete dynamically registered OAuth clients that never obtained a token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hours",
            type=int,
            default=settings.TMUXHUB_DCR_UNUSED_CLIENT_HOURS,
            help="only clients registered more than this many hours ago (TMUXHUB_DCR_UNUSED_CLIENT_HOURS)",
        )

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        deleted = expire_unused_clients(timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} unused clients.")
