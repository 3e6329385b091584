"""Running commands in an SSH session through MCP: output, exit status, markers, policy."""

import asyncio
import os

import pytest

from tests.support.hub import structured

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def run(mcp, sid, command, **extra):
    result = await mcp.call_tool("ssh_send_command", {"id": sid, "command": command, **extra})
    assert not result.is_error, result.content[0].text
    return structured(result)


async def test_it_returns_output_and_exit_status(ssh):
    mcp, sid = ssh

    ok = await run(mcp, sid, "echo hello; echo world")
    failed = await run(mcp, sid, "ls /no/such/dir; (exit 3)")
    partial = await run(mcp, sid, "printf 'no newline'")

    assert ok["completed"] and ok["exit_status"] == 0
    assert ok["output"] == "hello\nworld\n"
    assert failed["exit_status"] == 3
    assert "No such file or directory" in failed["output"]
    assert partial["output"] == "no newline"


async def test_a_command_printing_the_marker_text_does_not_end_the_wait(ssh):
    mcp, sid = ssh

    result = await run(
        mcp,
        sid,
        "printf '%s_%s:%d\\n' TMUXHUB_END 0123456789abcdef 0; echo TMUXHUB_END_x:0; sleep 0.5; echo after",
    )

    assert result["completed"]
    assert result["output"].endswith("after\n")
    assert "TMUXHUB_END_0123456789abcdef:0" in result["output"]


AWKWARD_COMMANDS = [
    ('echo "it\'s" \'a "quote"\'', 'it\'s a "quote"\n'),
    ("echo one # a comment; echo two", "one\n"),
    ("echo '#{pane_id} #(echo injected)'", "#{pane_id} #(echo injected)\n"),
    ("echo 'hi!' \"$((6 * 7))\"", "hi! 42\n"),
    ("printf 'a\\tb\\n'", "a       b\n"),
    ("cat <<'EOF'\nline 1\n$HOME\nEOF", "line 1\n$HOME\n"),
    ("-n() { echo dash; }; -n", "dash\n"),
    ("echo ends with a semicolon;", "ends with a semicolon\n"),
    ("echo " + "y" * 9000 + " | wc -c", "9001\n"),
]


async def test_it_sends_any_command_text_intact(ssh):
    mcp, sid = ssh

    results = [await run(mcp, sid, command) for command, _ in AWKWARD_COMMANDS]

    assert [(r["output"], r["exit_status"]) for r in results] == [(out, 0) for _, out in AWKWARD_COMMANDS]


async def test_parallel_calls_on_one_session_take_turns(ssh, sshd):
    mcp, sid = ssh
    data = "x" * 100_000

    slow, fast, written = await asyncio.gather(
        run(mcp, sid, "sleep 1; echo slow"),
        run(mcp, sid, "echo fast"),
        mcp.call_tool("ssh_write_file", {"id": sid, "path": str(sshd.home / "p.txt"), "content": data}),
    )

    assert slow["output"] == "slow\n" and fast["output"] == "fast\n"
    assert not written.is_error, written.content[0].text
    assert (sshd.home / "p.txt").read_text() == data


async def test_a_broken_command_fails_and_leaves_the_shell_usable(ssh):
    mcp, sid = ssh

    broken = await run(mcp, sid, "echo 'unbalanced")
    after = await run(mcp, sid, "echo still here")

    assert broken["completed"] and broken["exit_status"] != 0
    assert after["output"] == "still here\n"


async def test_nothing_reaches_the_hubs_own_shell_or_tmux(ssh, tmux):
    mcp, sid = ssh
    canary = "/tmp/tmuxhub-ssh-cmd-canary"
    if os.path.exists(canary):
        os.unlink(canary)

    await run(mcp, sid, f"echo '#(touch {canary})' '$(touch {canary})'")

    assert not os.path.exists(canary)
    assert [s.session_name for s in tmux.sessions] == ["tmuxhub-ssh"]


async def test_a_slow_command_times_out_with_what_it_printed(ssh):
    mcp, sid = ssh

    result = await run(mcp, sid, "echo started; sleep 20", timeout=0.5)
    listed = structured(await mcp.call_tool("ssh_list", {}))

    assert not result["completed"] and result["exit_status"] is None
    assert result["output"] == "started"
    assert "send_keys" in result["detail"]
    assert listed["sessions"][0]["busy"]


async def test_send_keys_reaches_the_ssh_window(ssh):
    mcp, sid = ssh
    await run(mcp, sid, "sleep 30", timeout=0.3)
    pane = structured(await mcp.call_tool("ssh_list", {}))["sessions"][0]["pane_id"]

    pressed = await mcp.call_tool("send_keys", {"pane": pane, "keys": ["C-c"]})
    after = await run(mcp, sid, "echo interrupted")

    assert not pressed.is_error, pressed.content[0].text
    assert after["output"] == "interrupted\n"


async def test_output_longer_than_the_history_is_cut_and_says_so(ssh):
    mcp, sid = ssh

    result = await run(mcp, sid, "seq 1 5000")

    assert result["completed"] and result["truncated"]
    assert result["output"].endswith("\n4999\n5000\n")


async def test_snapshot_shows_exactly_the_last_lines(ssh):
    mcp, sid = ssh
    await run(mcp, sid, "seq 1 100")

    snap = structured(await mcp.call_tool("ssh_snapshot", {"id": sid, "lines": 3}))

    assert len(snap["text"].splitlines()) == 3
    assert snap["text"].splitlines()[0] == ""
    assert snap["text"].splitlines()[1].startswith("TMUXHUB_END_")


DESTRUCTIVE = [
    "rm -rf /",
    "sudo rm -fr / ",
    "mkfs.ext4 /dev/sda1",
    "dd if=/dev/zero of=/dev/sda",
    "shutdown -h now",
]


async def test_the_command_policy_refuses_known_destructive_commands(ssh):
    mcp, sid = ssh

    results = [await mcp.call_tool("ssh_send_command", {"id": sid, "command": c}) for c in DESTRUCTIVE]

    assert all(result.is_error and "guard rail" in result.content[0].text for result in results)


async def test_the_command_policy_lets_ordinary_commands_through(ssh):
    mcp, sid = ssh

    result = await run(mcp, sid, "mkdir -p /tmp/tmuxhub-policy/x && rm -rf /tmp/tmuxhub-policy && echo ok")

    assert result["output"] == "ok\n"


async def test_a_remote_exit_ends_the_session_with_a_clear_message(ssh):
    mcp, sid = ssh

    result = await mcp.call_tool("ssh_send_command", {"id": sid, "command": "exit", "timeout": 10})
    listed = structured(await mcp.call_tool("ssh_list", {}))
    again = await mcp.call_tool("ssh_send_command", {"id": sid, "command": "echo hi"})

    assert result.is_error and "connection closed" in result.content[0].text
    assert listed["sessions"] == []
    assert again.is_error and "ssh_list" in again.content[0].text
