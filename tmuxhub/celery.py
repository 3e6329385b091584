"""The Celery app; tasks live in each Django app's `tasks.py`."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery import Celery, signals
from kombu.transport import filesystem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

app = Celery("tmuxhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class EmbeddedTransport(filesystem.Transport):
    """The embedded (no Redis) broker: kombu's filesystem transport, checked for a stop request often.

    A worker on a polling transport notices SIGTERM only between two `drain_events` calls, which
    Celery makes 2 s long, and it runs one more after noticing: up to 4 s of waiting before a warm
    shutdown even begins. Capping each call keeps `tmuxhub serve`'s stop within its 5 s.
    """

    DRAIN_SECONDS = 0.25

    # kombu's two Transport classes disagree on this signature; this is the virtual one's.
    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:  # type: ignore[override]
        capped = self.DRAIN_SECONDS if timeout is None else min(timeout, self.DRAIN_SECONDS)
        return super().drain_events(connection, timeout=capped)


@signals.worker_ready.connect
def _freeze_startup_objects(**_: Any) -> None:
    """Move everything loaded at startup out of the garbage collector's sight: at exit the collector
    would walk it all once more, about a second of CPU (several on a busy host) added to every stop."""
    gc.freeze()
