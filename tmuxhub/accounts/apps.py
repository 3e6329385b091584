from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tmuxhub.accounts"
    label = "accounts"
    verbose_name = "People and OAuth"

    def ready(self) -> None:
        from django.conf import settings

        from . import datafiles, signals

        datafiles.protect()
        signals.connect_post_migrate(self)
        # The app schedules its own housekeeping, whatever else settings put in the beat schedule;
        # Celery beat reads the schedule after Django is set up.
        schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
        if schedule is None:
            schedule = settings.CELERY_BEAT_SCHEDULE = {}
        schedule.setdefault(
            "accounts-expire-unused-clients",
            {"task": "tmuxhub.accounts.tasks.expire_unused_clients", "schedule": 3600},
        )
