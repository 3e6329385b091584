"""`manage.py abuse_report`: list, report, and a shell completion that really completes staged IPs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from abuse.models import Offender
from tests.abuse.factories import offender

pytestmark = pytest.mark.django_db(transaction=True)
BASE_DIR = Path(__file__).resolve().parent.parent.parent


def run(*args: str) -> str:
    out = StringIO()
    call_command("abuse_report", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_lists_staged_offenders(abuse_services) -> None:
    offender("185.220.101.60")
    offender("185.220.101.61", status=Offender.Status.PENDING)
    listing = run("--list")
    assert "185.220.101.60\t42 hits\tcategories 21,15,19\tAS64500 NL EXAMPLE-AS" in listing
    assert "185.220.101.61" not in listing


def test_it_reports_named_ips_and_all(abuse_services) -> None:
    offender("185.220.101.62")
    offender("185.220.101.63")
    assert "185.220.101.62: reported" in run("185.220.101.62")
    assert "185.220.101.63: reported" in run("--all")
    assert sorted(r.ip for r in abuse_services.abuseipdb.accepted) == ["185.220.101.62", "185.220.101.63"]


def test_it_refuses_bad_input_and_a_missing_key_clearly(abuse_services, settings) -> None:
    with pytest.raises(CommandError, match="not an IP address"):
        run("not-an-ip")
    with pytest.raises(CommandError, match="--list, --all or one or more IPs"):
        run()
    settings.ABUSEIPDB_KEY = ""
    offender("185.220.101.64")
    with pytest.raises(CommandError, match="ABUSEIPDB_KEY is not set"):
        run("185.220.101.64")


def _complete(shell: str, snippet: str, word: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    if shell == "bash":
        script = snippet + f'COMP_WORDS=(abuse_report "{word}"); COMP_CWORD=1\n_tmuxhub_abuse_report\n'
        script += 'printf "%s\\n" "${COMPREPLY[@]}"\n'
        return subprocess.run(
            ["bash", "--norc", "--noprofile", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout
    # zsh: check the snippet loads under compinit and that its data source yields the IPs.
    script = "autoload -Uz compinit && compinit -u\n" + snippet + "whence -w _tmuxhub_abuse_report\n"
    return subprocess.run(
        ["zsh", "-f", "-c", script], env=env, capture_output=True, text=True, timeout=60
    ).stdout


def test_register_bash_prints_a_snippet_that_completes_staged_ips() -> None:
    offender("185.220.101.65")
    offender("185.220.101.66")
    offender("185.220.101.70", status=Offender.Status.REPORTED)
    snippet = subprocess.run(
        [sys.executable, "manage.py", "abuse_report", "--register", "bash"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "complete -F _tmuxhub_abuse_report abuse_report" in snippet
    assert sorted(_complete("bash", snippet, "185.220.101.6").split()) == ["185.220.101.65", "185.220.101.66"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_register_zsh_prints_a_snippet_zsh_loads() -> None:
    snippet = run("--register", "zsh")
    assert "compdef _tmuxhub_abuse_report abuse_report" in snippet
    assert "function" in _complete("zsh", snippet, "")


def test_register_with_ips_or_actions_is_an_error() -> None:
    for args in (
        ("--register", "bash", "185.220.101.1"),
        ("185.220.101.1", "--register"),
        ("--all", "--register"),
    ):
        with pytest.raises(CommandError, match="--register only prints the completion snippet"):
            run(*args)


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_the_completion_reads_the_servers_env_file_in_a_shell_without_its_environment(tmp_path) -> None:
    from django.conf import settings

    offender("185.220.101.67")
    env_file = tmp_path / "tmuxhub.env"
    env_file.write_text(
        f"DATABASE_URL={_database_url()}\nTMUXHUB_DATA_DIR={settings.TMUXHUB_DATA_DIR}\n"
        f"REDIS_URL={settings.REDIS_URL}\nTMUXHUB_INSTANCE={settings.TMUXHUB_INSTANCE}\n"
    )
    bare = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")}
    registered = subprocess.run(
        [sys.executable, "manage.py", "abuse_report", "--register", "bash"],
        cwd=BASE_DIR,
        env={**bare, "DJANGO_SETTINGS_MODULE": "tmuxhub.settings", "TMUXHUB_ENV_FILE": str(env_file)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "note:" not in registered.stderr  # everything the completion needs is in the file
    script = registered.stdout + 'COMP_WORDS=(abuse_report "185.220.101.6"); COMP_CWORD=1\n'
    script += '_tmuxhub_abuse_report\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    completed = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script], env=bare, capture_output=True, text=True, timeout=60
    )
    assert completed.stdout.split() == ["185.220.101.67"], completed.stderr


def test_register_says_plainly_what_the_completion_cannot_see(tmp_path) -> None:
    registered = subprocess.run(
        [sys.executable, "manage.py", "abuse_report", "--register", "bash"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": _database_url()},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "DATABASE_URL" in registered.stderr and "come from this shell's environment" in registered.stderr
