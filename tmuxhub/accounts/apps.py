from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tmuxhub.accounts"
    label = "accounts"
    verbose_name = "People and OAuth"

    def ready(self) -> None:
        from . import datafiles, signals

        datafiles.protect()
        signals.connect_post_migrate(self)
