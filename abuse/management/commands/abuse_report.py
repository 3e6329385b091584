"""Submit staged abuse reports from the shell.

manage.py abuse_report --list          staged offenders, one per line
manage.py abuse_report --all           report every staged offender
manage.py abuse_report 203.0.113.7 …   report these IPs
manage.py abuse_report --register zsh  print a completion snippet for your rc file
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet

from abuse import abuseipdb
from abuse.categories import categories_for
from abuse.models import Offender
from abuse.reporting import ReportRefused, send_report

# `--complete` prints staged IPs for the shell snippets below; the snippets call this same command.
BASH = """\
_tmuxhub_abuse_report() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}"
    if [[ "$cur" == -* ]]; then
        COMPREPLY=( $(compgen -W "--list --all --register" -- "$cur") )
    else
        COMPREPLY=( $(compgen -W "$({command} --complete 2>/dev/null)" -- "$cur") )
    fi
}}
complete -F _tmuxhub_abuse_report abuse_report
"""
ZSH = """\
_tmuxhub_abuse_report() {{
    local -a ips
    ips=(${{(f)"$({command} --complete 2>/dev/null)"}})
    _arguments '--list[list staged offenders]' '--all[report every staged offender]' \\
        '--register[print shell completion]:shell:(bash zsh)' '*:staged IP:(${{ips}})'
}}
compdef _tmuxhub_abuse_report abuse_report
"""
# What decides which database and Redis the command sees: the completion must see the server's.
WHERE_THE_DATA_IS = ("DATABASE_URL", "TMUXHUB_DATA_DIR", "REDIS_URL", "TMUXHUB_INSTANCE")


def env_file() -> Path:
    """The file the settings read (tmuxhub/settings.py: TMUXHUB_ENV_FILE, or .env beside the code)."""
    return Path(os.environ.get("TMUXHUB_ENV_FILE", str(settings.BASE_DIR / ".env"))).resolve()


def env_file_keys(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    lines = (line.strip().removeprefix("export ") for line in path.read_text(errors="replace").splitlines())
    return {line.split("=", 1)[0].strip() for line in lines if "=" in line and not line.startswith("#")}


class Command(BaseCommand):
    help = "Report staged offenders to AbuseIPDB (--list, --all, or IPs), or print shell completion."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ips", nargs="*", metavar="IP", help="staged IPs to report")
        parser.add_argument("--list", action="store_true", help="list staged offenders")
        parser.add_argument("--all", action="store_true", help="report every staged offender")
        parser.add_argument(
            "--register",
            nargs="?",
            const="auto",
            choices=("auto", "bash", "zsh"),
            help="print shell completion (nothing else: no IPs, --list or --all with it)",
        )
        parser.add_argument("--complete", action="store_true", help="(used by the completion) staged IPs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["register"]:
            if options["ips"] or options["list"] or options["all"]:
                raise CommandError(
                    "--register only prints the completion snippet: report IPs in a separate command."
                )
            self.stdout.write(self._snippet(options["register"]), ending="")
            return
        staged = (
            Offender.objects.filter(status=Offender.Status.STAGED)
            .select_related("enrichment")
            .prefetch_related("reason_rows")
        )
        if options["complete"]:
            self.stdout.write("\n".join(staged.values_list("ip", flat=True)))
        elif options["list"]:
            self._list(staged)
        elif options["all"]:
            self._report(list(staged))
        elif options["ips"]:
            self._report([self._offender(ip) for ip in options["ips"]])
        else:
            raise CommandError("say what to report: --list, --all or one or more IPs (see --help).")

    def _list(self, staged: QuerySet[Offender]) -> None:
        for offender in staged:
            enrichment = getattr(offender, "enrichment", None)
            where = (
                f"{enrichment.asn} {enrichment.country} {enrichment.holder}" if enrichment else "not enriched"
            )
            cats = ",".join(str(c) for c in categories_for(offender.reason_counts()))
            self.stdout.write(f"{offender.ip}\t{offender.hits} hits\tcategories {cats}\t{where}")

    def _report(self, targets: list[Offender]) -> None:
        failures = 0
        for offender in targets:
            try:
                report = send_report(offender.pk)
            except abuseipdb.MissingKey as error:
                raise CommandError(str(error)) from error
            except (ReportRefused, abuseipdb.AbuseIPDBError) as error:
                failures += 1
                self.stderr.write(f"{offender.ip}: not reported: {error}")
                continue
            self.stdout.write(f"{offender.ip}: reported (categories {report.categories})")
        if failures:
            raise CommandError(f"{failures} of {len(targets)} not reported.")

    def _offender(self, text: str) -> Offender:
        try:
            return Offender.for_ip(text, "see --list for staged IPs")
        except LookupError as error:
            raise CommandError(str(error)) from error

    def _snippet(self, shell: str) -> str:
        """The completion runs in shells that do not have this one's environment: it names the settings
        module and the env file the settings read, and says plainly what it cannot carry."""
        if shell == "auto":
            shell = "zsh" if Path(os.environ.get("SHELL", "")).name == "zsh" else "bash"
        manage = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0].endswith("manage.py") else None
        if manage is not None:
            parts = [sys.executable, str(manage), "abuse_report"]
        else:
            parts = [sys.executable, "-m", "django", "abuse_report"]
        path = env_file()
        from_shell = [
            name for name in WHERE_THE_DATA_IS if name in os.environ and name not in env_file_keys(path)
        ]
        if from_shell:
            self.stderr.write(
                f"note: {', '.join(from_shell)} come from this shell's environment, not from {path}: the "
                f"completion cannot see them in other shells and would list another database's IPs. "
                f"Put them in {path} (or name another file with TMUXHUB_ENV_FILE) and register again."
            )
        variables = {
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "tmuxhub.settings"),
            "TMUXHUB_ENV_FILE": str(path),
        }
        prefix = "".join(f"{name}={shlex.quote(value)} " for name, value in variables.items())
        command = prefix + " ".join(shlex.quote(p) for p in parts)
        body = (ZSH if shell == "zsh" else BASH).format(command=command)
        # Completion attaches to the name people type: an `abuse_report` function calling this command.
        return f'abuse_report() {{ {command} "$@"; }}\n{body}'
