"""The project's own app config: what every tmuxhub process does once Django has loaded its settings."""

from __future__ import annotations

from django.apps import AppConfig


class TmuxhubConfig(AppConfig):
    name = "tmuxhub"
    verbose_name = "tmuxhub"

    def ready(self) -> None:
        from tmuxhub import datadir

        datadir.prepare()
