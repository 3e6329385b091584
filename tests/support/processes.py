"""Start, wait for and stop the real processes tests and the bench run (uvicorn, sshd, Celery, Redis).

The bench imports it too (`python -m bench` runs from the checkout, where `tests` is importable): a
server is started and stopped the same way whether a test or a measurement needs it.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def start_logged(argv: Sequence[str], log_path: Path, **popen: Any) -> subprocess.Popen[bytes]:
    """`argv` in the background, its stdout and stderr written to `log_path`."""
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, **popen)


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    what: str,
    log: Callable[[], str] | None = None,
    timeout: float = 30,
    interval: float = 0.1,
) -> None:
    """Return once `ready()` holds; raise with `what` (and the log) if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}{_tail(log)}")
        if ready():
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {timeout}s{_tail(log)}")
        time.sleep(interval)


def wait_for_port(
    port: int,
    process: subprocess.Popen[bytes],
    what: str,
    log_path: Path | None = None,
    timeout: float = 60,
    interval: float = 0.1,
) -> None:
    """Return once something accepts connections on 127.0.0.1:`port`."""
    log = (lambda: log_path.read_text(errors="replace")) if log_path is not None else None
    wait_until_ready(process, lambda: listens(port), what, log, timeout, interval)


def listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, and SIGKILL if it has not exited within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def _tail(log: Callable[[], str] | None) -> str:
    return f":\n{log()}" if log is not None else ""
