"""The SSH command policy: a deny-list read from settings, applied to ssh_send_command's text."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from bridge.exceptions import BridgeError
from bridge.ssh import check_command
from tests.support.hub import BASE_DIR


def settings_of(**env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh interpreter with `env`, printing the deny-list."""
    program = (
        "import django; django.setup(); from bridge.ssh.policy import deny_patterns; print(deny_patterns())"
    )
    env = {"DJANGO_SETTINGS_MODULE": "tmuxhub.settings", "TMUXHUB_ENV_FILE": os.devnull, **env}
    return subprocess.run(
        [sys.executable, "-c", program],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_policy_is_on_by_default_and_takes_an_extra_pattern():
    default = settings_of()
    extra = settings_of(TMUXHUB_SSH_DENY_PATTERN=r"\bsystemctl\s+stop\b")
    off = settings_of(TMUXHUB_SSH_COMMAND_POLICY="0", TMUXHUB_SSH_DENY_PATTERN=r"\bcurl\b")

    assert "mkfs" in default.stdout
    assert "systemctl" in extra.stdout and "mkfs" in extra.stdout
    assert off.stdout.strip() == r"['\\bcurl\\b']"


def test_an_invalid_pattern_stops_the_hub_from_starting():
    result = settings_of(TMUXHUB_SSH_DENY_PATTERN="(unclosed")

    assert result.returncode != 0
    assert "TMUXHUB_SSH_DENY_PATTERN" in result.stderr


@override_settings(TMUXHUB_SSH_COMMAND_POLICY=False, TMUXHUB_SSH_DENY_PATTERN=r"\bsystemctl\s+stop\b")
def test_a_configured_pattern_refuses_matching_commands_only():
    with pytest.raises(BridgeError, match="guard rail"):
        check_command("sudo systemctl stop nginx")
    assert check_command("systemctl status nginx") == "systemctl status nginx"
    assert check_command("rm -rf /") == "rm -rf /"  # the built-in list is off here


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf /tmp/build",
        "rm -r ./dist",
        "echo reboot-notes.txt > list",
        "ddrescue --help",
        "grep mkfs -r .",
    ],
)
def test_the_default_policy_lets_ordinary_commands_through(command):
    assert check_command(command) == command
