"""Moving files through an SSH session's terminal: base64 in chunks, checked by sha256 on both ends."""

from __future__ import annotations

import base64
import binascii
import hashlib
import shlex
import time

from django.conf import settings

from bridge import tmux
from bridge.exceptions import BridgeError
from bridge.schemas import SshFileRead, SshFileWritten, SshSession
from bridge.shell_markers import Markers, between, wrap

from .session import exclusive, get_session, refuse_busy, run_script, set_busy, wait_for


def _check_size(size: int) -> None:
    limit = settings.TMUXHUB_SSH_MAX_FILE_BYTES
    if size > limit:
        raise BridgeError(
            f"the file is {size} bytes; SSH file transfers are limited to {limit} bytes "
            "(TMUXHUB_SSH_MAX_FILE_BYTES): copy larger files with scp or rsync"
        )


def _transfer_timeout(size: int) -> float:
    return min(settings.TMUXHUB_SSH_MAX_WAIT, 30 + size / 20_000)


async def _checked_run(session: SshSession, script: str, timeout: float, doing: str) -> list[str]:
    completed, status, lines, cut = await run_script(session, script, timeout)
    if not completed:
        raise BridgeError(f"{doing} did not finish within {timeout:g}s; look with ssh_snapshot")
    if cut:
        raise BridgeError(f"{doing}: the output outgrew the pane's tmux history (history-limit); try again")
    if status != 0:
        said = " / ".join(line.strip() for line in lines if line.strip())[-300:]
        raise BridgeError(f"{doing} failed (status {status}): {said or 'no message'}")
    return lines


async def _rows_per_capture(pane_id: str) -> tuple[int, int]:
    history, width = await tmux.display(pane_id, "history_limit", "pane_width")
    return int(history), max(int(width), 1)


async def _read_exact(session: SshSession, path: str) -> tuple[bytes, str]:
    """The file's bytes, base64 through the terminal in chunks, checked against its sha256."""
    quoted = shlex.quote(path)
    head = await _checked_run(
        session,
        f"if [ -f {quoted} ] && [ -r {quoted} ]; then wc -c < {quoted} && sha256sum < {quoted}; "
        f"else echo 'not a readable regular file' >&2; false; fi",
        settings.TMUXHUB_SSH_CONNECT_TIMEOUT + 10,
        f"reading {path}",
    )
    words = " ".join(head).split()
    try:
        size, digest = int(words[0]), words[1]
    except (IndexError, ValueError) as exc:
        raise BridgeError(f"could not read the size and checksum of {path}: {' '.join(head)[:200]}") from exc
    _check_size(size)
    # base64 prints 76 characters (57 bytes) a line; one chunk must fit in the pane's tmux history,
    # which tmux trims by a tenth of its limit at a time: half of it is always there.
    history, width = await _rows_per_capture(session.pane_id)
    rows_per_line = -(-77 // width)
    chunk = max(57, min(256 * 1024, history // 2 // rows_per_line * 57))
    data = bytearray()
    for offset in range(0, size, chunk):
        lines = await _checked_run(
            session,
            f"tail -c +{offset + 1} {quoted} | head -c {chunk} | base64",
            _transfer_timeout(chunk),
            f"reading {path}",
        )
        try:
            data += base64.b64decode("".join("".join(lines).split()), validate=True)
        except binascii.Error as exc:
            raise BridgeError(f"reading {path}: the terminal garbled a chunk ({exc}); try again") from exc
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise BridgeError(f"{path} changed while it was read (size or sha256 differ); read it again")
    return bytes(data), digest


async def read_file(session_id: str, path: str, as_base64: bool) -> SshFileRead:
    session = await get_session(session_id)
    async with exclusive(
        session, hold=settings.TMUXHUB_SSH_MAX_WAIT, wait=settings.TMUXHUB_SSH_CONNECT_TIMEOUT
    ):
        await refuse_busy(session)
        data, digest = await _read_exact(session, path)
    content: str
    if as_base64:
        content = base64.b64encode(data).decode()
    else:
        try:
            content = data.decode()
        except UnicodeDecodeError as exc:
            raise BridgeError(f"{path} is not UTF-8 text; read it again with encoding='base64'") from exc
    return SshFileRead(
        id=session_id,
        path=path,
        size=len(data),
        sha256=digest,
        encoding="base64" if as_base64 else "text",
        content=content,
    )


async def write_file(session_id: str, path: str, data: bytes, append: bool) -> SshFileWritten:
    """Write (or append) exactly `data`: base64 through the pty, checked by sha256, renamed into place."""
    _check_size(len(data))
    session = await get_session(session_id)
    digest = hashlib.sha256(data).hexdigest()
    markers = Markers()
    target = shlex.quote(path)
    temporary = shlex.quote(f"{path}.tmuxhub-{markers.nonce}.tmp")
    if append:
        place = f"cat {temporary} >> {target}; s=$?; rm -f {temporary}; [ $s = 0 ]"
    else:
        # Keep the old file's permissions where GNU chmod can copy them, then replace it atomically.
        place = f"{{ chmod --reference={target} {temporary} 2>/dev/null || :; }}; mv -f {temporary} {target}"
    # `base64 -d` reads the pasted lines from the tty in canonical mode, echo off, until Ctrl-D; if
    # it fails, `cat` swallows the rest so no payload line reaches the shell as a command.
    script = (
        f"stty -echo; {markers.print_ready()}; "
        f"{{ base64 -d > {temporary} || cat > /dev/null; }}; stty echo; "
        f'if [ "$(sha256sum < {temporary} | cut -c1-64)" = {digest} ]; then {place}; '
        f"else rm -f {temporary}; echo 'checksum mismatch: the file was not changed' >&2; false; fi"
    )
    timeout = _transfer_timeout(len(data))
    async with exclusive(session, hold=timeout + 30, wait=settings.TMUXHUB_SSH_CONNECT_TIMEOUT):
        await refuse_busy(session)
        status, lines = await _transfer(session, script, markers, data, timeout)
    if status != 0:
        said = " / ".join(line.strip() for line in lines if line.strip() and markers.ready not in line)
        raise BridgeError(f"writing {path} failed (status {status}): {said[-300:] or 'no message'}")
    return SshFileWritten(id=session_id, path=path, size=len(data), sha256=digest, appended=append)


async def _transfer(
    session: SshSession, script: str, markers: Markers, data: bytes, timeout: float
) -> tuple[int | None, list[str]]:
    """Start `script`, type `data` as base64 once it is ready to read it, and wait for its end."""
    deadline = time.monotonic() + timeout
    await set_busy(session, markers.nonce)
    await tmux.type_text(session.pane_id, wrap(script, markers))
    if not await wait_for(
        session.pane_id, markers.ready, time.monotonic() + settings.TMUXHUB_SSH_CONNECT_TIMEOUT
    ):
        raise BridgeError(
            "the remote shell did not start the transfer: is a program running in the session? Look with "
            "ssh_snapshot; the transfer waits typed ahead, press C-c there with send_keys to cancel it"
        )
    await tmux.type_text(session.pane_id, base64.encodebytes(data).decode().replace("\n", "\r"))
    await tmux.send_keys(session.pane_id, ["C-d"])
    if not await wait_for(session.pane_id, markers.end, deadline):
        raise BridgeError(f"the transfer did not finish within {timeout:g}s; look with ssh_snapshot")
    lines, status, _ = between(await tmux.capture_raw(session.pane_id, "-"), markers)
    await set_busy(session, None)
    return status, lines
