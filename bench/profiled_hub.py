"""tmuxhub's uvicorn under cProfile, for `python -m bench --profile`:

    python bench/profiled_hub.py STATS tmuxhub.asgi:application --port 8000 ...   # uvicorn's arguments

Profiling starts at SIGUSR1 (sent once the hub is up, so start-up is left out) and times the event
loop's thread by the CPU it uses (`time.thread_time`), not by the clock, so other
work on a shared machine changes the figures little; cProfile's own cost still inflates the parts
that make many small Python calls. The stats are written to STATS when the hub gets SIGTERM, which
is how the bench stops it (uvicorn re-raises the signal after its shutdown, into this handler).
"""

from __future__ import annotations

import os
import sys

# Run as a script: import from the checkout being served (the working directory), never from bench/.
sys.path[0] = os.getcwd()

import cProfile  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
from types import FrameType  # noqa: E402

import uvicorn.main  # noqa: E402

profile = cProfile.Profile(time.thread_time)
STATS = sys.argv[1]


def _dump(signum: int, frame: FrameType | None) -> None:
    profile.disable()
    profile.dump_stats(STATS)
    os._exit(0)


def _start(signum: int, frame: FrameType | None) -> None:
    profile.enable()


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGTERM, _dump)
    sys.argv = ["uvicorn", *sys.argv[2:]]
    uvicorn.main.main()
