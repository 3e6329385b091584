"""The tmux service layer (bridge/tmux/) on a real tmux server of its own socket, without a hub:
what each tool relies on, proved once here, so the MCP-level tests need only check the tool's wiring.

    async def test_x(service, tmux):
        made = await bridge_tmux.new_session("work", "sleep 60", None, 80, 24)
"""

from __future__ import annotations

import asyncio
from typing import Any

import libtmux
import pytest

from bridge import tmux as bridge_tmux
from bridge.exceptions import BridgeError, NoServer
from tests.fixtures.panes import SHELL, pane_text
from tests.support.waits import wait_until

pytestmark = pytest.mark.anyio


@pytest.fixture
def service(settings, tmux_socket: str, tmux: libtmux.Server) -> libtmux.Server:
    """bridge/tmux/ pointed at the test's tmux server (emptied after each test); that server as
    libtmux sees it, to check what the service did from outside."""
    settings.TMUXHUB_TMUX_SOCKET = tmux_socket
    return tmux


def shell(server: libtmux.Server, name: str = "work") -> Any:  # libtmux.Pane, its ids not None
    session = server.new_session(session_name=name, window_command=SHELL, x=100, y=20)
    pane = session.active_window.active_pane
    assert pane is not None
    wait_until(lambda: "$" in pane_text(pane))
    return pane


async def test_with_no_server_listings_are_empty_and_health_says_how_to_start_one(service) -> None:
    assert await bridge_tmux.list_sessions() == []
    assert await bridge_tmux.list_panes() == []
    with pytest.raises(NoServer, match="create a session first \\(create_session\\)"):
        await bridge_tmux.capture("%0", 5)
    with pytest.raises(BridgeError, match="no tmux server is running") as refused:
        bridge_tmux.ping()
    assert "new -d" in str(refused.value)


async def test_ensure_server_starts_a_server_once(service) -> None:
    bridge_tmux.ensure_server("base")
    bridge_tmux.ensure_server("other")  # one answers: nothing more is started

    assert [s.name for s in await bridge_tmux.list_sessions()] == ["base"]


async def test_a_new_session_is_listed_with_its_window_and_pane(service) -> None:
    made = await bridge_tmux.new_session("build", "exec sleep 60", None, 90, 25)

    assert made.name == "build" and made.windows == 1 and not made.attached
    [window] = await bridge_tmux.list_windows("build")
    [pane] = await bridge_tmux.list_panes(session="build")
    assert window.session_id == made.id and window.target == "build:0" and window.panes == 1
    assert pane.window_id == window.id and pane.target == "build:0.0"
    assert (pane.width, pane.height, pane.current_command) == (90, 25, "sleep")


async def test_targets_match_names_exactly_never_by_prefix(service) -> None:
    shell(service, "workshop")

    with pytest.raises(BridgeError, match="can't find") as missing:
        await bridge_tmux.list_windows("work")
    assert "tmux_list_sessions" in str(missing.value)  # the message says how to find what exists


async def test_split_and_new_window_return_what_they_made(service) -> None:
    pane = shell(service)

    below = await bridge_tmux.split(pane.pane_id, "below", 30, "exec sleep 60", None)
    window = await bridge_tmux.new_window("work", "logs", "exec sleep 60", None)

    assert below.window_id == pane.window.window_id and below.height < int(pane.window.window_height) // 2
    assert window.name == "logs" and [p.id for p in await bridge_tmux.list_panes(window=window.id)]


async def test_capture_gives_exactly_the_last_lines_with_wrapped_lines_joined(service) -> None:
    pane = shell(service)
    pane.send_keys("seq 1 300; printf '%0150d\\n' 7; echo end", enter=True)
    wait_until(lambda: "end\n$" in pane_text(pane))

    last = await bridge_tmux.capture(pane.pane_id, 4)
    beyond_the_screen = await bridge_tmux.capture("work:0.0", 90)  # by name too

    assert last == ["300", "0" * 149 + "7", "end", "$"]
    assert len(beyond_the_screen) == 90 and beyond_the_screen[:2] == ["214", "215"]


async def test_typed_text_arrives_unchanged_whatever_it_holds(service) -> None:
    pane = shell(service)
    # A trailing ';' would end tmux's command; a leading '-' looks like a flag; '#' starts a format.
    text = "echo '-n #{pane_id}' $HOME x;"

    await bridge_tmux.send_literal(pane.pane_id, text)
    await bridge_tmux.send_keys(pane.pane_id, ["Enter"])

    wait_until(lambda: f"$ {text}\n-n #{{pane_id}} /tmp x\n$" in pane_text(pane))


async def test_long_text_is_typed_in_pieces_and_arrives_whole(service) -> None:
    pane = shell(service)
    text = "x" * (bridge_tmux.TYPE_CHUNK * 2 + 123)

    await bridge_tmux.type_text(pane.pane_id, f"echo {text} | wc -c\n")

    wait_until(lambda: f"\n{len(text) + 1}\n$" in pane_text(pane))


async def test_a_paste_arrives_as_one_piece_and_a_dead_pane_is_refused_without_harm(service) -> None:
    pane = shell(service)
    # bash asks for bracketed paste: the text lands on its command line, the newline not run.
    await bridge_tmux.paste(pane.pane_id, "-echo 'pasted;' #{pane_id}\n")
    wait_until(lambda: "$ -echo 'pasted;' #{pane_id}" in pane_text(pane))

    pane.cmd("set-option", "-p", "remain-on-exit", "on")
    pane.send_keys("exit", enter=True)
    wait_until(lambda: pane.display_message("#{pane_dead}", get_text=True) == ["1"])

    with pytest.raises(BridgeError, match="has exited"):
        await bridge_tmux.paste(pane.pane_id, "anything")
    assert bridge_tmux.ping() == 1  # tmux 3.3a used to crash, server and all


async def test_a_title_with_a_format_is_kept_literally_and_runs_nothing(service, tmp_path) -> None:
    pane = shell(service)
    marker = tmp_path / "ran"

    await bridge_tmux.set_pane_title(pane.pane_id, f"#(touch {marker}) #{{pane_id}}")

    [info] = await bridge_tmux.list_panes(session="work")
    assert info.title == f"#(touch {marker}) #{{pane_id}}" and not marker.exists()


async def test_zoom_asked_twice_stays_zoomed(service) -> None:
    pane = shell(service)
    await bridge_tmux.split(pane.pane_id, "right", None, "exec sleep 60", None)

    await bridge_tmux.zoom_pane(pane.pane_id, True)
    await bridge_tmux.zoom_pane(pane.pane_id, True)
    assert (await bridge_tmux.list_windows("work"))[0].zoomed
    await bridge_tmux.zoom_pane(pane.pane_id, False)
    assert not (await bridge_tmux.list_windows("work"))[0].zoomed


async def test_killing_a_pane_window_and_session_removes_each(service) -> None:
    pane = shell(service)
    extra = await bridge_tmux.split(pane.pane_id, "below", None, "exec sleep 60", None)
    window = await bridge_tmux.new_window("work", "second", "exec sleep 60", None)
    shell(service, "keep")

    await bridge_tmux.kill_pane(extra.id)
    await bridge_tmux.kill_window(window.id)
    assert [p.id for p in await bridge_tmux.list_panes(session="work")] == [pane.pane_id]
    await bridge_tmux.kill_session("work")
    assert [s.name for s in await bridge_tmux.list_sessions()] == ["keep"]
    with pytest.raises(BridgeError, match="can't find"):
        await bridge_tmux.capture(pane.pane_id, 5)


async def test_a_snapshot_reads_state_and_screen_of_one_instant(service) -> None:
    pane = shell(service)
    pane.send_keys("echo shown", enter=True)
    wait_until(lambda: "shown\n$" in pane_text(pane))

    state, rows = await bridge_tmux.snapshot(pane.pane_id)

    assert state["pane_id"] == pane.pane_id and state["pane_dead"] == "0" and state["pane_in_mode"] == "0"
    assert rows[int(state["cursor_y"])] == "$" and "shown" in rows


async def test_copy_mode_is_entered_and_left_and_says_what_it_was(service) -> None:
    pane = shell(service)

    assert await bridge_tmux.copy_mode(pane.pane_id, True) is False
    assert await bridge_tmux.copy_mode(pane.pane_id, True) is True
    assert await bridge_tmux.copy_mode(pane.pane_id, False) is True
    assert (await bridge_tmux.display(pane.pane_id, "pane_in_mode")) == ["0"]


async def test_session_options_are_set_read_and_unset_by_the_session_name(service) -> None:
    shell(service)

    await bridge_tmux.set_option("session", "work", "status-left", "hub #S")
    assert await bridge_tmux.show_options("session", "work", "status-left") == [("status-left", "hub #S")]
    await bridge_tmux.set_option("session", "work", "status-left", None)
    assert await bridge_tmux.show_options("session", "work", "status-left") == []


async def test_a_channel_wait_ends_on_its_signal_or_after_its_timeout(service) -> None:
    shell(service)

    assert await bridge_tmux.wait_for_channel("never", 0.3) is False
    waiting = asyncio.ensure_future(bridge_tmux.wait_for_channel("built", 30))
    while not waiting.done():
        await bridge_tmux.signal_channel("built")  # a signal before the waiter starts is not kept
        await asyncio.sleep(0.05)
    assert waiting.result() is True


async def test_a_window_lock_is_held_by_one_token_until_it_is_given_back(service) -> None:
    shell(service)
    window_id, _ = await bridge_tmux.open_window("work", "ssh-1", ["sleep", "60"], {"@kind": "ssh"})

    assert await bridge_tmux.take_window_lock(window_id, "@lock", "aaaa", hold=60)
    assert not await bridge_tmux.take_window_lock(window_id, "@lock", "bbbb", hold=60)
    await bridge_tmux.release_window_lock(window_id, "@lock", "bbbb")  # not the holder: no effect
    assert not await bridge_tmux.take_window_lock(window_id, "@lock", "bbbb", hold=60)
    await bridge_tmux.release_window_lock(window_id, "@lock", "aaaa")
    assert await bridge_tmux.take_window_lock(window_id, "@lock", "bbbb", hold=60)


async def test_lock_arguments_that_could_reach_a_tmux_command_string_are_refused(service) -> None:
    for window, option, token in (("@1 ; kill-server", "@lock", "aa"), ("@1", "@lock'", "aa"),
                                  ("@1", "@lock", "aa ; kill-server")):  # fmt: skip
        with pytest.raises(ValueError, match="may not go into a tmux command"):
            await bridge_tmux.take_window_lock(window, option, token, hold=1)


async def test_a_program_window_is_made_with_its_session_and_kept_after_it_exits(service) -> None:
    window_id, pane_id = await bridge_tmux.open_window(
        "remote", "ssh-2", ["sh", "-c", "exit 3"], {"@ssh_host": "example"}
    )

    [row] = await bridge_tmux.window_rows("remote", ["window_id", "@ssh_host", "remain-on-exit"])
    assert row == {"window_id": window_id, "@ssh_host": "example", "remain-on-exit": "on"}
    for _ in range(500):  # at most 10 s
        _, exited = await bridge_tmux.screen_and_exit(pane_id)
        if exited:
            break
        await asyncio.sleep(0.02)
    # Kept after its program exited (tmux's own "Pane is dead" line comes, or not, a moment later).
    assert exited and [r["window_id"] for r in await bridge_tmux.window_rows("remote", ["window_id"])] == [
        window_id
    ]
    assert await bridge_tmux.window_rows("nowhere", ["window_id"]) == []
    assert await bridge_tmux.screen_and_exit("%999") == ([], True)


async def test_a_missing_server_is_told_apart_from_a_missing_pane(service) -> None:
    with pytest.raises(NoServer):
        await bridge_tmux.kill_pane("%1")
    shell(service)
    with pytest.raises(BridgeError, match="can't find pane") as missing:
        await bridge_tmux.kill_pane("%999")
    assert not isinstance(missing.value, NoServer)
