"""The tmux service layer: the only module that imports libtmux or runs tmux.

Every call is bounded by `TMUXHUB_TMUX_TIMEOUT` and is synchronous; async callers run it in a
worker thread (`asyncio.to_thread`) so a slow tmux never blocks the event loop.
"""

from __future__ import annotations

import subprocess

import libtmux
from django.conf import settings

from .exceptions import BridgeError


def socket_args() -> list[str]:
    """tmux's own flags for the configured socket: `-S path` or `-L name`."""
    socket = settings.TMUXHUB_TMUX_SOCKET
    if not socket:
        return []
    return ["-S", socket] if "/" in socket else ["-L", socket]


def hub_server() -> libtmux.Server:
    socket = settings.TMUXHUB_TMUX_SOCKET
    if not socket:
        return libtmux.Server()
    if "/" in socket:
        return libtmux.Server(socket_path=socket)
    return libtmux.Server(socket_name=socket)


def ping() -> int:
    """Number of sessions on the hub's tmux server; raises BridgeError when it does not answer."""
    try:
        result = subprocess.run(
            ["tmux", *socket_args(), "list-sessions", "-F", "#{session_id}"],
            capture_output=True,
            text=True,
            timeout=settings.TMUXHUB_TMUX_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BridgeError(f"tmux did not answer: {exc}. Is tmux installed and the socket reachable?") from exc
    if result.returncode != 0:
        raise BridgeError(
            f"no tmux server on the configured socket ({result.stderr.strip()}); start one with "
            f"`tmux {' '.join(socket_args())} new -d`"
        )
    return len(result.stdout.split())
