import json
import time

import anyio
import psutil
import pytest

from bridge import watch
from bridge.screen import LineMatcher
from tests.fixtures.panes import pane_text
from tests.support.hub import call, mcp_session
from tests.support.tmux import tmux, wait_for_output_watcher
from tests.support.waits import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_wait_for_text_ignores_what_was_already_there(hub, mcp_token, shell_pane):
    shell_pane.send_keys("echo READY", enter=True)
    wait_until(lambda: "READY\n$" in pane_text(shell_pane))

    async with mcp_session(hub, mcp_token) as session:
        stale = await call(session, "wait_for_text", pane=shell_pane.pane_id, pattern="READY", timeout=0.5)

    assert not stale["found"] and stale["timed_out"]


async def wait_for_text_on(hub, token: str, pane, tmux_socket: str, command: str, /, **arguments) -> dict:
    """wait_for_text on a shell `pane` that runs `command` only once the hub's wait follows the pane's
    output. A `sleep` before the command instead raced the call on a loaded machine: what is printed
    before the call begins is rightly not new, and the wait timed out."""
    session_name = pane.session.session_name
    typed = f"tmux -S {tmux_socket} wait-for go; {command}"
    pane.send_keys(typed, enter=True)
    # The typed line is on the screen before the call begins, so that it is not new output.
    wait_until(lambda: typed in tmux(tmux_socket, "capture-pane", "-p", "-J", "-t", pane.pane_id).stdout)
    out: dict = {}

    async def wait() -> None:
        async with mcp_session(hub, token) as session:
            out.update(await call(session, "wait_for_text", pane=pane.pane_id, **arguments))

    async with anyio.create_task_group() as group:
        group.start_soon(wait)
        await anyio.to_thread.run_sync(wait_for_output_watcher, tmux_socket, session_name)
        tmux(tmux_socket, "wait-for", "-S", "go")
    return out


async def test_wait_for_text_finds_new_output(hub, mcp_token, shell_pane, tmux_socket):
    out = await wait_for_text_on(
        hub, mcp_token, shell_pane, tmux_socket, "echo build finished: 3 warnings",
        pattern=r"finished: \d+ warnings$", regex=True, timeout=30,
    )  # fmt: skip

    assert out["found"] and out["matched_lines"] == ["build finished: 3 warnings"]


async def test_wait_for_idle_waits_for_a_quiet_screen(hub, mcp_token, shell_pane):
    shell_pane.send_keys("for i in 1 2 3 4; do echo tick$i; sleep 0.3; done", enter=True)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=0.8, timeout=10)

    assert out["idle"] and out["elapsed"] >= 0.8
    assert "tick4" in out["tail"]


async def test_wait_for_idle_times_out_on_a_busy_pane(hub, mcp_token, shell_pane):
    shell_pane.send_keys("while true; do date +%N; sleep 0.05; done", enter=True)

    async with mcp_session(hub, mcp_token) as session:
        out = await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=1, timeout=1.5)

    assert not out["idle"] and out["timed_out"]


@pytest.mark.timing
async def test_a_long_wait_does_not_delay_another_clients_calls(hub, mcp_token, shell_pane, tmux_socket):
    shell_pane.send_keys("while true; do date +%N; sleep 0.05; done", enter=True)
    latencies: list[float] = []

    async def long_wait() -> None:
        async with mcp_session(hub, mcp_token) as session:
            await call(session, "wait_for_idle", pane=shell_pane.pane_id, quiet=5, timeout=6)

    async def quick_reads() -> None:
        async with mcp_session(hub, mcp_token) as session:
            # The wait is under way: it follows the pane's output.
            await anyio.to_thread.run_sync(wait_for_output_watcher, tmux_socket, "work")
            for _ in range(10):
                started = time.monotonic()
                await call(session, "capture_pane", pane=shell_pane.pane_id, lines=10)
                latencies.append(time.monotonic() - started)

    started = time.monotonic()
    async with anyio.create_task_group() as group:
        group.start_soon(long_wait)
        group.start_soon(quick_reads)

    assert time.monotonic() - started >= 5.5  # the wait really lasted
    assert len(latencies) == 10 and max(latencies) < 1.0


async def test_many_clients_at_once_all_get_answers(hub, mcp_token, shell_pane):
    results: list[dict] = []

    async def client() -> None:
        async with mcp_session(hub, mcp_token) as session:
            for _ in range(5):
                results.append(await call(session, "capture_pane", pane=shell_pane.pane_id, lines=100))

    async with anyio.create_task_group() as group:
        for _ in range(16):
            group.start_soon(client)

    assert len(results) == 80
    assert all(r["pane"] == shell_pane.pane_id for r in results)


async def test_wait_for_text_finds_a_line_that_scrolled_away_at_once(hub, mcp_token, shell_pane, tmux_socket):
    # The line and 3,000 more in one write: gone from any 500-line screen before the next look.
    flood = "import sys; sys.stdout.write('NEE' + 'DLE 42\\n' + ''.join(f'row {i}\\n' for i in range(3000)))"
    out = await wait_for_text_on(
        hub, mcp_token, shell_pane, tmux_socket, f'python3 -c "{flood}"', pattern="NEEDLE 42", timeout=30
    )

    assert out["found"] and out["matched_lines"] == ["NEEDLE 42"]


async def test_wait_for_text_finds_text_a_full_screen_program_draws_in_place(
    hub, mcp_token, shell_pane, tmux_socket
):
    # "dr" and "awn" drawn apart by cursor moves: only the screen shows "drawn".
    draw = "printf '\\033[2J\\033[5;10Hdr\\033[5;12Hawn'; sleep 30"
    out = await wait_for_text_on(hub, mcp_token, shell_pane, tmux_socket, draw, pattern="drawn", timeout=30)

    assert out["found"] and out["matched_lines"] == ["         drawn"]


TICKS = """
import json, os, sys, time
while not os.path.exists(sys.argv[3]):  # the test says when every wait is under way
    time.sleep(0.01)
printed = []
for i in range(int(sys.argv[2])):
    print(f"TICK-{i} ready", flush=True)
    printed.append(time.time())
    time.sleep(0.1)
open(sys.argv[1], "w").write(json.dumps(printed))
"""


@pytest.mark.timing
async def test_a_wait_sees_a_line_within_milliseconds(
    settings, tmux_socket, shell_pane, tmp_path, monkeypatch
):
    # The primitive the wait tools call, in this process: the bench times the whole HTTP call
    # (`python -m bench --only wait`); here nothing else on a loaded machine adds to the figure.
    settings.TMUXHUB_TMUX_SOCKET = tmux_socket
    monkeypatch.setattr(watch, "LINGER", 0.0)
    rounds = 7
    script, printed, go = tmp_path / "ticks.py", tmp_path / "printed.json", tmp_path / "go"
    script.write_text(TICKS)
    seen: dict[int, float] = {}

    async def wait(i: int) -> None:
        matcher = LineMatcher(f"TICK-{i} ready", is_regex=False, ignore_case=False)
        lines, _ = await watch.wait_for_text(shell_pane.pane_id, matcher, 20)
        seen[i] = time.time()
        assert lines == [f"TICK-{i} ready"]

    async def start_printing() -> None:
        while watch.waiters(shell_pane.pane_id) < rounds:
            await anyio.sleep(0.01)
        go.touch()

    shell_pane.send_keys(f"python3 {script} {printed} {rounds} {go}", enter=True)
    async with anyio.create_task_group() as group:
        group.start_soon(start_printing)
        for i in range(rounds):
            group.start_soon(wait, i)

    wait_until(printed.exists)
    latencies = sorted(seen[i] - at for i, at in enumerate(json.loads(printed.read_text())))
    # Polling every 0.2 s puts the median near 0.1 s; output notifications, a few ms.
    assert latencies[rounds // 2] < 0.05, latencies


@pytest.mark.timing
@pytest.mark.parametrize("attach", ["attaches", "fails to attach"])
async def test_a_line_printed_while_the_watch_attaches_is_found(
    settings, tmux_socket, shell_pane, monkeypatch, attach
):
    # The race CI met: the call has begun, its watching client is not attached yet, the line comes;
    # and the same when tmux will not attach the client, so the wait falls back to polling.
    settings.TMUXHUB_TMUX_SOCKET = tmux_socket
    join = watch._join

    async def line_comes_first(feed: watch.Feed) -> None:
        shell_pane.send_keys("printf 'ATTACH-%s done\\n' RACE", enter=True)
        await anyio.to_thread.run_sync(
            lambda: wait_until(lambda: "\nATTACH-RACE done" in pane_text(shell_pane))
        )
        if attach == "fails to attach":
            raise watch.Unwatchable("tmux would not attach")
        await join(feed)

    monkeypatch.setattr(watch, "_join", line_comes_first)
    matcher = LineMatcher("ATTACH-RACE done", is_regex=False, ignore_case=False)

    lines, elapsed = await watch.wait_for_text(shell_pane.pane_id, matcher, 5)

    assert lines == ["ATTACH-RACE done"] and elapsed < 2


def hub_cpu_seconds(hub) -> float:
    times = psutil.Process(hub.process.pid).cpu_times()
    return times.user + times.system + times.children_user + times.children_system


@pytest.mark.timing
async def test_waits_on_quiet_panes_cost_almost_no_cpu(hub, mcp_token, make_pane):
    panes = [make_pane("exec sleep 600") for _ in range(4)]
    started = anyio.Event()
    in_flight = 0

    async def waits(pane) -> None:
        nonlocal in_flight
        async with mcp_session(hub, mcp_token) as session, anyio.create_task_group() as group:
            for tool, arguments in (
                ("wait_for_text", {"pattern": "never printed", "timeout": 4}),
                ("wait_for_idle", {"quiet": 100, "timeout": 4}),
            ) * 3:
                group.start_soon(session.call_tool, tool, {"pane": pane.pane_id, **arguments})
            in_flight += 6
            if in_flight == 24:
                started.set()

    cpu: list[float] = []

    async def measure() -> None:
        await started.wait()
        await anyio.sleep(1.0)  # every call has reached its wait
        before = hub_cpu_seconds(hub)
        await anyio.sleep(2.0)
        cpu.append(hub_cpu_seconds(hub) - before)

    async with anyio.create_task_group() as group:
        group.start_soon(measure)
        for pane in panes:
            group.start_soon(waits, pane)

    # 24 waits for 2 s: polling spent ~10 % of a core here; waiting on notifications, next to nothing.
    assert cpu[0] < 0.06, f"{cpu[0]:.3f} s of CPU in 2 s"
