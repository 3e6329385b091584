"""The Celery app; tasks live in each Django app's `tasks.py`."""

from __future__ import annotations

import gc
import logging
import os
import time
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

from celery import Celery, bootsteps, signals
from django.conf import settings
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

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


@signals.setup_logging.connect
def _log_as_the_hub_does(**_: Any) -> None:
    """Worker and beat log through Django's LOGGING, as every other process does, instead of Celery's
    own handlers: the same format, and the same hold on a failure repeating every second
    (tmuxhub.logs.RepeatedErrors) during a broker outage. LOG_LEVEL sets the level; Celery's
    `--loglevel` is not used (a receiver of this signal replaces Celery's logging setup)."""
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


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


log = logging.getLogger(__name__)


class EmbeddedChannel(filesystem.Channel):
    """kombu's filesystem channel, made safe against a full disk and a broken message file.

    kombu writes a message straight into its `.msg` file: on a full disk that leaves an empty file
    behind, and its reader, finding one a worker cannot decode, raises, which ends the worker at every
    start (and the embedded beat with it) until someone deletes the file. Here a message is written
    under a name no reader picks up and renamed into place once it is whole, and a message file that
    cannot be decoded is moved to the `quarantine_folder` with one log line while the worker goes on.
    """

    # kombu's channel classes disagree on this signature; this is the filesystem one's.
    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(time.monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = Path(self.data_folder_out) / name
        # A leading dot: kombu's reader takes only `<id>.<queue>.msg`, so it never sees a partial file.
        partial = final.with_name(f".{name}.part")
        try:
            partial.write_bytes(dumps(payload).encode())  # type: ignore[no-untyped-call]
            partial.rename(final)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise ChannelError(f"cannot add a message to {final.parent}: {error}") from error

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        inbox = Path(self.data_folder_in)
        for name in sorted(os.listdir(inbox)):
            if name.partition(".")[2] != wanted:
                continue
            # The rename is the claim: of several workers polling the folder, one gets each message.
            # It stays on the same filesystem (kombu moves it to /tmp), so a full disk cannot fail it.
            claimed = Path(self.processed_folder) / name
            try:
                (inbox / name).rename(claimed)
            except OSError:
                continue  # another worker took it
            try:
                raw = claimed.read_bytes()
            except OSError as error:
                raise ChannelError(f"cannot read the message file {claimed}: {error}") from error
            message, problem = _decode(raw)
            if problem:
                self._quarantine(claimed, problem)
                continue
            if not self.store_processed:
                claimed.unlink(missing_ok=True)
            return message
        raise Empty()

    def _quarantine(self, claimed: Path, problem: str) -> None:
        default = Path(self.processed_folder).parent / "quarantine"
        folder = Path(self.transport_options.get("quarantine_folder", default))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            claimed.rename(folder / claimed.name)
            where = f"moved to {folder}"
        except OSError as error:
            claimed.unlink(missing_ok=True)
            where = f"deleted, as it could not be moved to {folder} ({error})"
        log.warning(
            "embedded broker: set aside a task message that cannot be read (%s), %s; the worker goes on. "
            "A full disk leaves such files: free some space.",
            problem,
            where,
        )


def _decode(raw: bytes) -> tuple[Any, str]:
    """The message in a file, and "", or None and why it is not one the channel can deliver."""
    if not raw:
        return None, "an empty file"
    try:
        message = loads(raw)  # type: ignore[no-untyped-call]
    except ValueError as error:  # UnicodeDecodeError included
        return None, f"not JSON: {error}"
    properties = message.get("properties") if isinstance(message, dict) else None
    if not isinstance(properties, dict) or "delivery_tag" not in properties:
        return None, "JSON, but not a task message"
    return message, ""


class EmbeddedTransport(filesystem.Transport):
    """The embedded (no Redis) broker: kombu's filesystem transport, checked for a stop request often.

    A worker on a polling transport notices SIGTERM only between two `drain_events` calls, which
    Celery makes 2 s long, and it runs one more after noticing: up to 4 s of waiting before a warm
    shutdown even begins. Capping each call keeps `tmuxhub serve`'s stop within its 5 s.
    """

    Channel = EmbeddedChannel
    DRAIN_SECONDS = 0.25

    # kombu's two Transport classes disagree on this signature; this is the virtual one's.
    def drain_events(self, connection: Any, timeout: float | None = None) -> Any:  # type: ignore[override]
        capped = self.DRAIN_SECONDS if timeout is None else min(timeout, self.DRAIN_SECONDS)
        return super().drain_events(connection, timeout=capped)  # type: ignore[no-untyped-call]
