"""The persistent control-mode client answers exactly as a `tmux` subprocess would, against real tmux."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import libtmux
import pytest

from bridge.control_mode import (
    CannotSend,
    ControlClient,
    ControlModeTimeout,
    ControlModeUnavailable,
    TmuxCommandError,
)
from tests.support.tmux import assert_kill_server_ends_it, client_names, wait_for_clients_to_leave

# What a pane can hold that a careless parser would mangle: colours, wide and combining characters,
# tabs, backslash-digits that look like octal escapes, a line that looks like a control-mode reply,
# empty lines, trailing blanks and a line far wider than the pane.
TRICKY = (
    "\x1b[1;31mred bold\x1b[0m plain \x1b[38;5;42mgreen\x1b[0m\n"
    "unicode: é ñ 日本語 🙂 e\u0301\n"
    "tab\tseparated\tcolumns\n"
    "backslashes: \\101 \\\\ \\n \\033[0m\n"
    "%end 1700000000 12 1\n"
    "%error 1700000000 12 1\n"
    "\n\n"
    "trailing blanks   \n" + "x" * 700 + "END\n" + "\n".join(f"line {i:04d}" for i in range(250)) + "\n"
)


def tmux_capture(socket: str, target: str, lines: int, *extra: str) -> str:
    return subprocess.run(
        ["tmux", "-S", socket, "capture-pane", "-p", "-J", *extra, "-S", f"-{lines}", "-t", target],
        capture_output=True,
        timeout=10,
        check=True,
    ).stdout.decode(errors="replace")


def start_pane(server: libtmux.Server, name: str, text: str, tmp_path: Path) -> str:
    """A detached session whose pane printed `text` and then waits; its pane id."""
    source = tmp_path / f"{name.replace(' ', '_')}.txt"
    source.write_text(text)
    session = server.new_session(
        session_name=name, x=100, y=30, window_command=f"cat {source}; exec sleep 600"
    )
    pane = session.active_window.active_pane
    assert pane is not None and pane.pane_id is not None
    pane_id = pane.pane_id
    deadline = time.monotonic() + 5
    last_line = text.rstrip("\n").rsplit("\n", 1)[-1]
    while last_line not in tmux_capture(str(server.socket_path), pane_id, 10):
        assert time.monotonic() < deadline, "the pane never showed its text"
        time.sleep(0.02)
    return pane_id


@pytest.fixture
def client(tmux: libtmux.Server, tmux_socket: str) -> Iterator[ControlClient]:
    """Depends on `tmux` so it detaches before the server is killed: a server with a client still
    attached takes longer to go, and a new server started meanwhile finds the old one exiting."""
    control = ControlClient(["-S", tmux_socket], timeout=5, retry_after=0.1)
    yield control
    control.close()


@pytest.mark.parametrize("lines", [1, 5, 100, 2000])
def test_it_captures_exactly_what_the_subprocess_prints(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path, lines: int
) -> None:
    pane = start_pane(tmux, "tricky", TRICKY, tmp_path)

    assert client.capture_pane(pane, lines) == tmux_capture(tmux_socket, pane, lines)
    assert client.capture_pane("=tricky:0.0", lines) == tmux_capture(tmux_socket, "=tricky:0.0", lines)


def test_it_passes_escape_sequences_through_untouched(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path
) -> None:
    pane = start_pane(tmux, "ansi", TRICKY, tmp_path)
    args = ["capture-pane", "-p", "-J", "-e", "-S", "-300", "-t", pane]

    captured = client.command(args)

    assert captured == tmux_capture(tmux_socket, pane, 300, "-e")
    assert "\x1b[31mred bold" in captured
    assert "\\101" in captured


def test_listings_with_field_separators_match_the_subprocess(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path
) -> None:
    start_pane(tmux, "one", "1\n", tmp_path)
    start_pane(tmux, "two words", "2\n", tmp_path)
    fields = "\x1f".join(["#{session_id}", "#{session_name}", "#{pane_id}", "#{pane_width}"])
    args = ["list-panes", "-a", "-F", fields]

    expected = subprocess.run(
        ["tmux", "-S", tmux_socket, *args], capture_output=True, text=True, timeout=10, check=True
    ).stdout
    assert client.command(args) == expected
    assert "two words\x1f" in expected


def test_it_captures_an_empty_pane(tmux: libtmux.Server, tmux_socket: str, client: ControlClient) -> None:
    session = tmux.new_session(session_name="empty", x=80, y=10, window_command="exec sleep 600")

    assert client.capture_pane("=empty:0.0", 50) == tmux_capture(tmux_socket, "=empty:0.0", 50) == "\n" * 10
    assert session.session_name == "empty"


def test_it_reports_what_tmux_refuses(tmux: libtmux.Server, client: ControlClient) -> None:
    tmux.new_session(session_name="only", window_command="exec sleep 600")

    with pytest.raises(TmuxCommandError, match="can't find pane"):
        client.capture_pane("%9999", 10)
    assert client.capture_pane("=only:0.0", 1)  # the connection survives a refused command


def test_it_refuses_what_it_cannot_quote_instead_of_sending_it(client: ControlClient) -> None:
    with pytest.raises(CannotSend, match="cannot be sent"):
        client.capture_pane("it's", 10)
    with pytest.raises(CannotSend, match="cannot be sent"):
        client.capture_pane("a\nkill-server", 10)
    with pytest.raises(ValueError, match="lines must be"):
        client.capture_pane("%1", 0)
    with pytest.raises(CannotSend, match="longer than"):
        client.capture_pane("x" * 2000, 10)


@pytest.mark.timing
def test_a_stuck_command_times_out_and_the_next_one_gets_a_fresh_connection(
    tmux: libtmux.Server, tmux_socket: str
) -> None:
    tmux.new_session(session_name="slow", window_command="exec sleep 600")
    control = ControlClient(["-S", tmux_socket], timeout=0.5)
    try:
        # `wait-for` answers at once but holds this client's queue until the channel is signalled.
        control.command(["wait-for", "never-signalled"])
        started = time.monotonic()
        with pytest.raises(ControlModeTimeout):
            control.capture_pane("=slow:0.0", 5)
        assert time.monotonic() - started < 2

        assert control.capture_pane("=slow:0.0", 5) == tmux_capture(tmux_socket, "=slow:0.0", 5)
    finally:
        control.close()


def test_it_reconnects_when_the_tmux_server_is_killed_and_started_again(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path
) -> None:
    start_pane(tmux, "before", "first server\n", tmp_path)
    assert "first server" in client.capture_pane("=before:0.0", 5)

    tmux.kill()
    with pytest.raises(ControlModeUnavailable):
        client.capture_pane("=before:0.0", 5)
    deadline = time.monotonic() + 5
    while tmux.is_alive():  # the old server is gone before a new one starts on its socket
        assert time.monotonic() < deadline
        time.sleep(0.05)

    start_pane(tmux, "after", "second server\n", tmp_path)
    deadline = time.monotonic() + 3
    while True:
        try:
            captured = client.capture_pane("=after:0.0", 5)
            break
        except ControlModeUnavailable:
            # Right after a failed start the client waits `retry_after` before spawning again.
            assert time.monotonic() < deadline
            time.sleep(0.05)
    assert "second server" in captured


def test_it_is_unavailable_without_a_session_to_attach_to(tmux_socket: str, client: ControlClient) -> None:
    with pytest.raises(ControlModeUnavailable):
        client.capture_pane("%0", 5)


def test_concurrent_callers_from_threads_and_the_event_loop_each_get_their_own_pane(
    tmux: libtmux.Server, client: ControlClient, tmp_path: Path
) -> None:
    panes = {start_pane(tmux, f"s{i}", f"content of pane {i}\n", tmp_path): i for i in range(4)}

    def from_thread(pane: str) -> tuple[str, str]:
        return pane, client.capture_pane(pane, 3)

    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(from_thread, list(panes) * 50))

    async def from_loop() -> list[tuple[str, str]]:
        clients = asyncio.Semaphore(32)  # more than MAX_PENDING at once would go to a subprocess

        async def one(pane: str) -> tuple[str, str]:
            async with clients:
                return pane, await client.acapture_pane(pane, 3)

        return await asyncio.gather(*(one(pane) for pane in list(panes) * 50))

    looped = asyncio.run(from_loop())

    for pane, captured in threaded + looped:
        assert f"content of pane {panes[pane]}" in captured


def test_it_changes_nothing_people_see(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path
) -> None:
    pane = start_pane(tmux, "work", "hello\n", tmp_path)

    client.capture_pane(pane, 5)
    # Other tmux clients keep changing the server while the control client stays attached.
    for _ in range(5):
        subprocess.run(["tmux", "-S", tmux_socket, "new-window", "-d", "-t", "=work"], check=True, timeout=10)
        client.capture_pane(pane, 5)
        subprocess.run(["tmux", "-S", tmux_socket, "kill-window", "-t", "=work:1"], check=True, timeout=10)

    clients = subprocess.run(
        ["tmux", "-S", tmux_socket, "list-clients", "-F", "#{client_name} #{client_control_mode}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    assert clients == f"{client.client_name} 1\n"  # how a listing can tell the hub's own client apart
    sessions = subprocess.run(
        [
            "tmux",
            "-S",
            tmux_socket,
            "list-sessions",
            "-F",
            "#{session_name} #{window_width}x#{window_height}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.split("\n")
    assert sessions[0] == "work 100x30"
    assert sessions[1:] == [""]


# The hub's two kinds of client: the shared one that only runs commands (`no-output`), and a watching
# one that tmux sends every line the session's panes print. This one reads slower than the pane prints,
# so there is always output on its way to it when it dies.
OWNER = (
    "import sys, time; from bridge.control_mode import ControlClient; "
    "watch = (lambda line: time.sleep(0.01)) if sys.argv[2] == 'watching' else None; "
    "c = ControlClient(['-S', sys.argv[1]], session='owner', on_notification=watch); "
    "c.capture_pane('=owner:0.0', 1); "
    "print(c.client_name, flush=True); sys.stdin.read()"
)


@pytest.mark.parametrize("kind", ["reading", "watching"])
def test_the_tmux_client_goes_away_with_the_process_that_started_it(
    tmux: libtmux.Server, tmux_socket: str, kind: str
) -> None:
    # A pane that never stops printing: output on its way to the watching client when its owner dies.
    tmux.new_session(session_name="owner", window_command="while :; do echo output $RANDOM; done")
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, tmux_socket, kind],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert owner.stdout is not None
    name = owner.stdout.readline().decode().strip()
    assert name.startswith("client-")
    time.sleep(0.3)

    owner.kill()  # no clean-up code runs: the client must end with its process
    owner.wait(timeout=10)

    wait_for_clients_to_leave(tmux_socket, {name})
    assert_kill_server_ends_it(tmux_socket)


def test_a_client_started_from_a_thread_that_ended_stays_attached(
    tmux: libtmux.Server, tmux_socket: str, client: ControlClient, tmp_path: Path
) -> None:
    # Django runs a request's sync code in a thread of its own: the shared client it started must not
    # end with that thread.
    pane = start_pane(tmux, "work", "hello\n", tmp_path)
    with ThreadPoolExecutor(1) as request_thread:
        assert "hello" in request_thread.submit(client.capture_pane, pane, 5).result()
        name = client.client_name
    assert name is not None
    time.sleep(0.5)

    assert "hello" in client.capture_pane(pane, 5)
    assert client.client_name == name
    assert name in client_names(tmux_socket)
