"""The project's own app config: what every tmuxhub process does once Django has loaded its settings."""

from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class TmuxhubConfig(AppConfig):
    name = "tmuxhub"
    verbose_name = "tmuxhub"

    def ready(self) -> None:
        from tmuxhub import datadir

        datadir.prepare()


class HubAdminConfig(AdminConfig):
    """Django's admin with tmuxhub's site (`tmuxhub.dashboard.site`) as `admin.site`."""

    default_site = "tmuxhub.dashboard.site.HubAdminSite"
