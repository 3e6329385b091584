"""The SSH command policy: a guard rail the hub's owner sets (`TMUXHUB_SSH_DENY`), not a sandbox."""

from __future__ import annotations

import re

from django.conf import settings

from bridge.exceptions import BridgeError
from bridge.schemas import MAX_COMMAND


def check_command(command: str) -> str:
    if not command.strip():
        raise BridgeError("the command is empty")
    if len(command.encode()) > MAX_COMMAND or "\x00" in command:
        raise BridgeError(
            f"commands are limited to {MAX_COMMAND} bytes without NUL; send long content with ssh_write_file"
        )
    for pattern in settings.TMUXHUB_SSH_DENY:
        if re.search(pattern, command):
            raise BridgeError(
                f"the hub's SSH command policy refuses this command (it matches {pattern!r}). The policy is "
                "a guard rail set by the hub's owner (TMUXHUB_SSH_COMMAND_POLICY, TMUXHUB_SSH_DENY_PATTERN), "
                "not a sandbox; do not try to get around it: ask the person you work for"
            )
    return command
