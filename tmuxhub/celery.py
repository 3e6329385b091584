"""The Celery app; tasks live in each Django app's `tasks.py`."""

from __future__ import annotations

import gc
import os
from typing import Any

from celery import Celery, bootsteps, signals
from django.conf import settings
from kombu.transport import filesystem

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

app = Celery("tmuxhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="tmuxhub.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled by beat (CELERY_BEAT_SCHEDULE), run by a worker: beat and the queue work."""
    from tmuxhub import heartbeat

    heartbeat.record("beat")


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Every worker records its heartbeat at start and on its timer (tmuxhub/heartbeat.py)."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.timer_entry: Any = None

    def start(self, parent: Any) -> None:
        from tmuxhub import heartbeat

        heartbeat.record("worker")
        self.timer_entry = parent.timer.call_repeatedly(
            settings.TMUXHUB_HEARTBEAT_SECONDS, heartbeat.record, ("worker",)
        )

    def stop(self, parent: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)


@signals.beat_init.connect
@signals.beat_embedded_init.connect
def _beat_started(**_: Any) -> None:
    from tmuxhub import heartbeat

    heartbeat.record("beat")
    _freeze_startup_objects()


@signals.worker_ready.connect
def _freeze_startup_objects(**_: Any) -> None:
    """Move everything loaded at startup out of the garbage collector's sight: at exit the collector
    would walk it all once more, about a second of CPU (several on a busy host) added to every stop
    (a worker also waits for its embedded beat process to exit)."""
    gc.freeze()


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
        return super().drain_events(connection, timeout=capped)  # type: ignore[no-untyped-call]
