"""Looking at a tmux server from outside, as a person at their terminal would."""

from __future__ import annotations

import subprocess
import time


def tmux(socket: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["tmux", "-S", socket, *args], capture_output=True, text=True, timeout=10)


def client_names(socket: str, *args: str) -> list[str]:
    """The attached clients' names (`client-<pid>`); `args` narrow the listing (`-t session`)."""
    return tmux(socket, "list-clients", "-F", "#{client_name}", *args).stdout.split()


def wait_for_clients_to_leave(socket: str, names: set[str] | None = None, timeout: float = 5) -> None:
    """Until none of `names` (every client, without names) is attached; fails after `timeout`."""
    deadline = time.monotonic() + timeout
    while left := [name for name in client_names(socket) if names is None or name in names]:
        assert time.monotonic() < deadline, f"these clients stayed attached: {left}"
        time.sleep(0.05)


def assert_kill_server_ends_it(socket: str, timeout: float = 5) -> None:
    """`kill-server`, then the server is gone. tmux 3.3a with a control client whose reader died kept
    running for good after it, refusing every command with "server exited unexpectedly"."""
    tmux(socket, "kill-server")
    deadline = time.monotonic() + timeout
    while "server exited unexpectedly" in tmux(socket, "list-sessions").stderr:
        assert time.monotonic() < deadline, "tmux could not exit: a control client is still attached"
        time.sleep(0.05)
    assert "no server running" in tmux(socket, "list-sessions").stderr


def wait_for_output_watcher(socket: str, session: str, timeout: float = 30) -> None:
    """Until a client that follows the session's output (a hub's wait, bridge/watch.py) is attached:
    tmux sends it everything the session's panes write from then on. The hub's command client is
    attached with `no-output` and does not count."""

    def watching() -> bool:
        flags = tmux(socket, "list-clients", "-t", session, "-F", "#{client_flags}").stdout.split()
        return any("control-mode" in f and "no-output" not in f.split(",") for f in flags)

    deadline = time.monotonic() + timeout
    while not watching():
        assert time.monotonic() < deadline, f"no hub wait attached to session {session} in {timeout:g}s"
        time.sleep(0.02)
