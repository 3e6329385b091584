"""`manage.py install_terminal_view`: put the terminal view's pinned library where the hub reads it."""

from __future__ import annotations

import subprocess
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from bridge import app_view


class Command(BaseCommand):
    help = f"Install {app_view.PACKAGE}@{app_view.VERSION} (the terminal view's library) with npm."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            script = app_view.install()
        except (FileNotFoundError, RuntimeError, subprocess.SubprocessError) as exc:
            raise CommandError(f"the terminal view's library could not be installed: {exc}") from None
        self.stdout.write(f"{app_view.PACKAGE}@{app_view.VERSION}: {script}")
