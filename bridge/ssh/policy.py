"""The SSH command policy: a guard rail the hub's owner sets, not a sandbox.

It reads the command text only: a built-in deny-list of well-known destructive commands (unless
`TMUXHUB_SSH_COMMAND_POLICY=0`) plus one regex of the owner's (`TMUXHUB_SSH_DENY_PATTERN`).
"""

from __future__ import annotations

import re

from django.conf import settings

from bridge.exceptions import BridgeError
from bridge.schemas import MAX_COMMAND

# Where a command starts: the line's start or after a separator, past sudo/doas/exec/nohup/time.
_AT_COMMAND = r"(?:^|[;&|({`\n]|\$\()\s*(?:(?:sudo|doas|exec|nohup|time)\s+(?:-\S+\s+)*)*"
BUILT_IN = (
    _AT_COMMAND + r"rm\s+(?:-\S+\s+)+(?:/|/\*|~/?|\$HOME/?)(?:\s|[;&|]|$)",
    _AT_COMMAND + r"mkfs(?:\.\w+)?\s",
    _AT_COMMAND + r"dd\s[^;&|]*\bof=/dev/(?:sd|hd|vd|xvd|nvme|mmcblk|disk)",
    r">\s*/dev/(?:sd|hd|vd|xvd|nvme|mmcblk)\w*",
    _AT_COMMAND + r"(?:systemctl\s+)?(?:shutdown|reboot|halt|poweroff)\b",
    r":\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}",
)


def deny_patterns() -> list[str]:
    """The regexes a command must not match, as configured."""
    built_in = list(BUILT_IN) if settings.TMUXHUB_SSH_COMMAND_POLICY else []
    return [*built_in, *([settings.TMUXHUB_SSH_DENY_PATTERN] if settings.TMUXHUB_SSH_DENY_PATTERN else [])]


def check_command(command: str) -> str:
    if not command.strip():
        raise BridgeError("the command is empty")
    if len(command.encode()) > MAX_COMMAND or "\x00" in command:
        raise BridgeError(
            f"commands are limited to {MAX_COMMAND} bytes without NUL; send long content with ssh_write_file"
        )
    for pattern in deny_patterns():
        if re.search(pattern, command):
            raise BridgeError(
                f"the hub's SSH command policy refuses this command (it matches {pattern!r}). The policy is "
                "a guard rail set by the hub's owner (TMUXHUB_SSH_COMMAND_POLICY, TMUXHUB_SSH_DENY_PATTERN), "
                "not a sandbox; do not try to get around it: ask the person you work for"
            )
    return command
