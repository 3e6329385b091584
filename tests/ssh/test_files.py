"""Reading and writing remote files through an SSH session: exact bytes, any size up to the cap."""

import asyncio
import base64
import hashlib
import os
import time
from pathlib import Path

import pytest

from tests.support.hub import call, mcp_session, structured

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]


async def test_a_mebibyte_of_random_bytes_round_trips_exactly(ssh, sshd):
    mcp, sid = ssh
    data = os.urandom(1024 * 1024)
    path = str(sshd.home / "blob.bin")

    began = time.monotonic()
    written = await call(
        mcp, "ssh_write_file", id=sid, path=path, content=base64.b64encode(data).decode(), encoding="base64"
    )
    wrote = time.monotonic() - began
    read = await call(mcp, "ssh_read_file", id=sid, path=path, encoding="base64")
    took = time.monotonic() - began

    digest = hashlib.sha256(data).hexdigest()
    assert written["sha256"] == digest and written["size"] == len(data)
    assert (sshd.home / "blob.bin").read_bytes() == data
    assert read["sha256"] == digest
    assert base64.b64decode(read["content"]) == data
    print(f"1 MiB: write {wrote:.2f}s, read {took - wrote:.2f}s")
    assert took < 60


async def test_text_with_every_awkward_character_round_trips(ssh, sshd):
    mcp, sid = ssh
    text = (
        "tab\there 'single' \"double\" $HOME `id` $(id) \\ ! # ; & | < > ~ * ?\r\n"
        "\x1b[31m\x04\x03 ünïcødé ✓\n" * 50
    )

    await call(mcp, "ssh_write_file", id=sid, path=str(sshd.home / "text.txt"), content=text)
    read = await call(mcp, "ssh_read_file", id=sid, path=str(sshd.home / "text.txt"))

    assert (sshd.home / "text.txt").read_bytes() == text.encode()
    assert read["content"] == text


async def test_an_empty_file_round_trips(ssh, sshd):
    mcp, sid = ssh

    await call(mcp, "ssh_write_file", id=sid, path=str(sshd.home / "empty"), content="")
    read = await call(mcp, "ssh_read_file", id=sid, path=str(sshd.home / "empty"))

    assert read["content"] == "" and read["size"] == 0
    assert (sshd.home / "empty").read_bytes() == b""


async def test_append_adds_to_the_end(ssh, sshd):
    mcp, sid = ssh
    path = str(sshd.home / "log.txt")

    await call(mcp, "ssh_write_file", id=sid, path=path, content="one\n")
    appended = await call(mcp, "ssh_write_file", id=sid, path=path, content="two\n", append=True)

    assert appended["appended"]
    assert (sshd.home / "log.txt").read_text() == "one\ntwo\n"


async def test_replacing_a_file_keeps_its_permissions_and_leaves_no_temporary(ssh, sshd):
    mcp, sid = ssh
    script = sshd.home / "run.sh"
    script.write_text("old")
    script.chmod(0o750)

    await call(mcp, "ssh_write_file", id=sid, path=str(script), content="#!/bin/sh\necho new\n")

    assert script.read_text() == "#!/bin/sh\necho new\n"
    assert script.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in sshd.home.iterdir() if "tmuxhub" in p.name) == []


AWKWARD_NAMES = [
    "$(touch CANARY)",
    "`touch CANARY`",
    "a; touch CANARY",
    "a' ; touch CANARY; '",
    '" ; touch CANARY; "',
    "-rf",
    "#(touch CANARY) #{pane_id}",
    "with space and * glob",
]


async def test_paths_are_quoted_so_nothing_runs(ssh, sshd):
    mcp, sid = ssh
    canaries = [
        Path.home() / "tmuxhub-canary",
        sshd.home / "tmuxhub-canary",
        sshd.home / "paths" / "tmuxhub-canary",
    ]
    target = sshd.home / "paths"
    target.mkdir(exist_ok=True)

    for name in AWKWARD_NAMES:
        path = str(target / name.replace("CANARY", "tmuxhub-canary"))
        await call(mcp, "ssh_write_file", id=sid, path=path, content=f"safe {name}")
        read = await call(mcp, "ssh_read_file", id=sid, path=path)

        assert Path(path).read_text() == read["content"] == f"safe {name}"
    assert not any(canary.exists() for canary in canaries)


async def test_a_path_with_control_characters_is_refused(ssh, sshd):
    mcp, sid = ssh

    result = await mcp.call_tool("ssh_write_file", {"id": sid, "path": "a\nb", "content": "x"})

    assert result.is_error and "control characters" in result.content[0].text


@pytest.fixture
def capped_hub(hub_factory, sshd, make_user, make_token):
    hub = hub_factory(TMUXHUB_SSH_CONFIG=str(sshd.config), TMUXHUB_SSH_MAX_FILE_BYTES="1000")
    return hub, make_token(make_user("capped"), resource=hub.mcp_url)


async def test_files_above_the_cap_are_refused_with_the_limit_named(capped_hub, sshd, tmux):
    hub, token = capped_hub
    (sshd.home / "big").write_bytes(b"x" * 1001)

    async with mcp_session(hub, token) as mcp:
        sid = (await call(mcp, "ssh_open", host="testbox"))["id"]
        write = await mcp.call_tool(
            "ssh_write_file", {"id": sid, "path": str(sshd.home / "new"), "content": "y" * 1001}
        )
        read = await mcp.call_tool("ssh_read_file", {"id": sid, "path": str(sshd.home / "big")})
        fits = await call(mcp, "ssh_write_file", id=sid, path=str(sshd.home / "new"), content="y" * 1000)

    for refused in (write, read):
        assert refused.is_error
        assert (
            "1001 bytes" in refused.content[0].text
            and "TMUXHUB_SSH_MAX_FILE_BYTES" in refused.content[0].text
        )
    assert (sshd.home / "new").read_text() == "y" * 1000
    assert fits["size"] == 1000


async def test_reading_a_missing_file_says_so(ssh, sshd):
    mcp, sid = ssh

    result = await mcp.call_tool("ssh_read_file", {"id": sid, "path": str(sshd.home / "missing")})

    assert result.is_error and "not a readable regular file" in result.content[0].text


async def test_reading_binary_as_text_asks_for_base64(ssh, sshd):
    mcp, sid = ssh
    (sshd.home / "binary").write_bytes(b"\xff\xfe\x00")

    result = await mcp.call_tool("ssh_read_file", {"id": sid, "path": str(sshd.home / "binary")})

    assert result.is_error and "encoding='base64'" in result.content[0].text


async def test_invalid_base64_content_is_refused(ssh, sshd):
    mcp, sid = ssh

    result = await mcp.call_tool(
        "ssh_write_file",
        {"id": sid, "path": str(sshd.home / "x"), "content": "not base64!", "encoding": "base64"},
    )

    assert result.is_error and "base64" in result.content[0].text
    assert not (sshd.home / "x").exists()


async def test_it_works_in_a_plain_posix_shell_too(ssh, sshd):
    mcp, sid = ssh
    await mcp.call_tool("ssh_send_command", {"id": sid, "command": "exec dash -i", "timeout": 1})
    data = os.urandom(200_000)
    long_command = "echo " + "x" * 6000 + " | wc -c"

    shell = await call(mcp, "ssh_send_command", id=sid, command='echo "$0" $((1 + 2))')
    long = await call(mcp, "ssh_send_command", id=sid, command=long_command)
    await call(
        mcp,
        "ssh_write_file",
        id=sid,
        path=str(sshd.home / "d.bin"),
        content=base64.b64encode(data).decode(),
        encoding="base64",
    )
    read = await call(mcp, "ssh_read_file", id=sid, path=str(sshd.home / "d.bin"), encoding="base64")

    assert shell["output"] == "dash 3\n"
    assert long["output"] == "6001\n"
    assert base64.b64decode(read["content"]) == data == (sshd.home / "d.bin").read_bytes()


async def test_reading_a_file_refuses_while_a_command_still_runs(ssh, sshd):
    mcp, sid = ssh
    (sshd.home / "notes.txt").write_text("hello\n")
    typed = sshd.home / "typed.txt"
    await call(mcp, "ssh_send_command", id=sid, command=f"cat > {typed}", timeout=0.3)

    refused = await mcp.call_tool("ssh_read_file", {"id": sid, "path": str(sshd.home / "notes.txt")})
    pane = (await call(mcp, "ssh_list"))["sessions"][0]["pane_id"]
    await call(mcp, "send_keys", pane=pane, keys=["C-d"])  # `cat` ends, the command's end marker shows
    deadline = time.monotonic() + 10
    while (
        read := await mcp.call_tool("ssh_read_file", {"id": sid, "path": str(sshd.home / "notes.txt")})
    ).is_error:
        assert "busy" in read.content[0].text and time.monotonic() < deadline
        await asyncio.sleep(0.1)

    assert refused.is_error and "busy" in refused.content[0].text
    assert typed.read_text() == ""  # nothing of the read's script was typed into `cat`
    assert structured(read)["content"] == "hello\n"
