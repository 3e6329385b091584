"""`tmuxhub`: the common operations in one command.

tmuxhub serve            migrate, then serve web + MCP (and, with no Redis, a local worker)
tmuxhub worker [ARGS]    a Celery worker (becomes `celery worker ARGS`)
tmuxhub beat [ARGS]      the Celery beat scheduler; its schedule file is in TMUXHUB_DATA_DIR
tmuxhub backup [--output DIR]   an online copy of the database and the embedded secret key
tmuxhub createsuperuser  make an admin account (the first one logs in at /admin/ with its password)
tmuxhub manage ARGS...   any Django management command
tmuxhub claude-code hooks install|uninstall|status [--scope user|project|local] [--dry-run]
                         the hub's hooks in a Claude Code settings file (README: Steering Claude Code)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

# Seconds uvicorn lets open connections finish on stop, and the most `serve` waits for its children
# before SIGKILL: together under Docker's 10 s stop grace period.
GRACEFUL_SECONDS = 3
STOP_SECONDS = 5


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    import django

    django.setup()


def _refuse_newer_schema(reachable_only: bool = False) -> None:
    """Stop (with the way back) when a newer tmuxhub migrated the database; `reachable_only`: a
    database that cannot be reached yet is not checked (a worker waits for it on its own)."""
    from django.db import DatabaseError, connections

    from tmuxhub import schema

    try:
        schema.check_schema_is_known()
    except DatabaseError:
        if not reachable_only:
            raise
    finally:
        connections.close_all()  # `worker` and `beat` exec Celery next: leave no connection behind


def _prepare_database() -> None:
    from django.core.management import call_command

    # Its report goes to the log, in the log's format (a shipper reads every line).
    report = io.StringIO()
    call_command("migrate", interactive=False, verbosity=1, stdout=report)
    for line in report.getvalue().splitlines():
        if line.strip():
            logging.getLogger("tmuxhub.migrate").info("%s", line.strip())
    call_command("createcachetable", verbosity=0)


def _celery_argv(command: str, *args: str) -> list[str]:
    """`celery worker|beat` on tmuxhub's app, `args` last. No `--loglevel`: worker and beat log through
    Django's LOGGING at LOG_LEVEL (tmuxhub/celery.py). `--quiet`: without the start-up banner, which
    Celery prints rather than logs (every line of tmuxhub's output is a record in the log format; the
    banner's facts are in Celery's own records)."""
    return [sys.executable, "-m", "celery", "-A", "tmuxhub", "--quiet", command, *args]


def _terminate(*processes: subprocess.Popen[bytes] | None) -> None:
    """Ask each child still running to stop (SIGTERM); waiting is the caller's job."""
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)


def _start(argv: list[str]) -> subprocess.Popen[bytes]:
    """A child in a process group of its own, so a SIGKILL reaches what it started (uvicorn's
    workers, the embedded beat) too. Ctrl-C reaches `serve` alone, which passes it on as SIGTERM."""
    return subprocess.Popen(argv, start_new_session=True)


def _wait_all(*processes: subprocess.Popen[bytes] | None, timeout: float = STOP_SECONDS) -> None:
    """Wait for every child to exit; once `timeout` has passed, SIGKILL what is left of each group."""
    deadline = time.monotonic() + timeout
    for process in processes:
        if process is None:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # the leader's leftovers, or the leader itself
        process.wait()


def _exit_on_sigterm(*_: object) -> None:
    raise SystemExit(128 + signal.SIGTERM)


def _uvicorn_log_config() -> Path:
    """LOGGING as a file for uvicorn's --log-config, in the data folder (it holds no secret)."""
    from django.conf import settings

    path = Path(settings.TMUXHUB_DATA_DIR) / "uvicorn-logging.json"
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(settings.LOGGING))
    partial.replace(path)  # atomic: a second `serve` starting at once never reads half a file
    return path


def serve(host: str | None, port: int | None, workers: int | None, with_worker: bool | None) -> int:
    # Until the children run, SIGTERM just ends this process (as PID 1 in Docker it would be ignored).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _django_setup()
    from django.conf import settings

    host = host or settings.TMUXHUB_HOST
    port = port or settings.TMUXHUB_PORT
    workers = workers or settings.WEB_CONCURRENCY

    _refuse_newer_schema()
    _prepare_database()
    from bridge import tmux

    tmux.ensure_server()
    # Everything loaded so far lives until exit: keep the collector from walking it all again then
    # (a second of CPU added to every stop, more on a busy host).
    gc.freeze()
    # The embedded default has no Redis: a worker with beat runs beside the web process so the
    # abuse pipeline still works on a laptop. With Redis, run `tmuxhub worker` and `tmuxhub beat`.
    run_worker = with_worker if with_worker is not None else not settings.REDIS_URL
    web_argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "tmuxhub.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-server-header",
        # Only abuse/clientip.py decides who the client is (TMUXHUB_TRUSTED_PROXIES); uvicorn's
        # default believes X-Forwarded-For/-Proto from any local peer.
        "--no-proxy-headers",
        # Open MCP streams (a client's GET /mcp) hold a graceful shutdown this long, then are cut.
        "--timeout-graceful-shutdown",
        str(GRACEFUL_SECONDS),
        # uvicorn's own lines in tmuxhub's format from its first line on (LOGGING); its access log
        # is tmuxhub's (tmuxhub/accesslog.py: the client, not the proxy).
        "--log-config",
        str(_uvicorn_log_config()),
        "--no-access-log",
    ]
    logging.getLogger("tmuxhub.serve").info(
        "tmuxhub serving %s (listening on %s:%s)", settings.TMUXHUB_PUBLIC_URL, host, port
    )
    worker = web = None
    try:
        worker = _start(_celery_argv("worker", "--beat", "--pool=solo")) if run_worker else None
        web = _start(web_argv)
        # `docker stop` and service managers send SIGTERM to this process only: pass it to both
        # children. The handler only signals; the main thread, in web.wait(), then sees web exit.
        signal.signal(signal.SIGTERM, lambda *_: _terminate(web, worker))
        code = web.wait()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as stop:  # SIGTERM while the children were starting
        code = int(stop.code or 0)
    _terminate(web, worker)
    _wait_all(web, worker)
    return code


def backup(output: str | None, timeout: float) -> int:
    _django_setup()
    from tmuxhub import backup as backups

    try:
        made = backups.make(Path(output) if output else None, timeout=timeout)
    except backups.BackupError as error:
        print(f"tmuxhub backup: {error}", file=sys.stderr)
        return 1
    print(f"tmuxhub backup: wrote {made.folder}")
    for file in made.files:
        print(f"  {file.name} ({file.stat().st_size:,} bytes)")
    for note in made.notes:
        print(f"note: {note}")
    print("Restore: README.md, Operations > Backup and restore.")
    return 0


def _exec_celery(command: str, *args: str) -> NoReturn:
    """Become Celery (exec): SIGTERM reaches it directly (under Docker it is PID 1 itself), and no
    wrapper is left waiting or Celery left orphaned."""
    argv = _celery_argv(command, *args)
    os.execv(argv[0], argv)  # noqa: S606 (argv list, no shell)


def _settings_file(scope: str, project: str | None, file: str | None) -> Path:
    if file:
        return Path(file).expanduser()
    if scope == "user":
        return Path.home() / ".claude" / "settings.json"
    name = "settings.json" if scope == "project" else "settings.local.json"
    return Path(project or os.getcwd()).expanduser() / ".claude" / name


def _hooks_status(path: Path, spool: Path) -> int:
    """Each event's hook in `path` (installed, stale: another checkout or data folder, missing) and the
    newest event the hub received; 0 when every one is installed."""
    from bridge import claude_hook, claude_settings, tmux

    found = claude_settings.installed(claude_settings.load(path))
    expected = claude_settings.hook_command(spool)
    states = {}
    for event in claude_settings.EVENTS:
        commands = found.get(event, [])
        states[event] = "installed" if expected in commands else "stale" if commands else "missing"
        print(f"{event}: {states[event]}")
    server = spool / claude_hook.server_key(tmux.socket_path())
    newest = max(server.glob("*/*.json"), default=None, key=lambda event: event.name)
    received = "none yet (Claude Code reads its settings when it starts: restart it in the hub's tmux server)"
    if newest is not None:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(int(newest.name[:20]) / 1e9))
        received = f"the newest from pane %{newest.parent.name} at {when}"
    print(f"settings: {path}\nspool: {spool}\nevents received: {received}")
    return 0 if set(states.values()) == {"installed"} else 1


def claude_code_hooks(action: str, path: Path, dry_run: bool) -> int:
    """Install, uninstall or show the hub's hooks in one Claude Code settings file."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    from bridge import claude_hooks, claude_settings

    spool = claude_hooks.spool()
    try:
        if action == "status":
            return _hooks_status(path, spool)
        done = claude_settings.change(path, action == "install", spool, dry_run)
    except claude_settings.SettingsError as exc:
        print(f"tmuxhub: {exc}", file=sys.stderr)
        return 2
    if not done.diff:
        print(f"{path}: nothing to change (the hub's hooks are {'' if action == 'install' else 'not '}there)")
        return 0
    print(done.diff, end="")
    if done.written:
        kept = f"; the previous file is kept as {done.backup}" if done.backup else ""
        print(f"{path}: {'installed' if action == 'install' else 'removed'} the hub's hooks{kept}")
    else:
        print(f"{path}: nothing written (--dry-run)")
    return 0


def _add_claude_code_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    claude_parser = commands.add_parser("claude-code", help="set up Claude Code for the hub")
    hooks = claude_parser.add_subparsers(dest="claude_command", required=True).add_parser(
        "hooks", help="the hub's hooks in a Claude Code settings file"
    )
    hooks.add_argument("action", choices=("install", "uninstall", "status"))
    hooks.add_argument(
        "--scope",
        choices=("user", "project", "local"),
        default="user",
        help="~/.claude/settings.json (default), PROJECT/.claude/settings.json or settings.local.json",
    )
    hooks.add_argument("--project", help="the project folder for --scope project|local (default: here)")
    hooks.add_argument("--settings", help="this settings file instead of --scope's")
    hooks.add_argument("--dry-run", action="store_true", help="print the change, write nothing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tmuxhub", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="migrate and serve the web app and /mcp")
    # Defaults come from the settings (TMUXHUB_HOST, TMUXHUB_PORT, WEB_CONCURRENCY, .env included).
    serve_parser.add_argument("--host", help="default: TMUXHUB_HOST (127.0.0.1)")
    serve_parser.add_argument("--port", type=int, help="default: TMUXHUB_PORT (8000)")
    serve_parser.add_argument("--workers", type=int, help="uvicorn processes; default: WEB_CONCURRENCY (1)")
    worker_group = serve_parser.add_mutually_exclusive_group()
    worker_group.add_argument(
        "--with-worker",
        dest="with_worker",
        action="store_true",
        default=None,
        help="run a Celery worker with beat beside the web server (the default without REDIS_URL)",
    )
    worker_group.add_argument(
        "--no-worker",
        dest="with_worker",
        action="store_false",
        help="no worker (the default with REDIS_URL: run `tmuxhub worker` and `tmuxhub beat`)",
    )

    for name, help_text in (("worker", "run a Celery worker"), ("beat", "run the Celery beat scheduler")):
        commands.add_parser(name, help=f"{help_text} (extra arguments go to Celery)")
    backup_parser = commands.add_parser(
        "backup", help="copy the database (online) and the embedded secret key into a new folder"
    )
    backup_parser.add_argument("--output", help="a new folder; default: TMUXHUB_DATA_DIR/backups/<UTC time>")
    backup_parser.add_argument(
        "--timeout", type=float, default=600, help="seconds the copy may take (default 600)"
    )
    commands.add_parser("createsuperuser", help="make an admin account (same as `manage createsuperuser`)")
    manage_parser = commands.add_parser("manage", help="run a Django management command")
    manage_parser.add_argument("args", nargs=argparse.REMAINDER)
    _add_claude_code_parser(commands)

    options, extra = parser.parse_known_args(argv)
    if extra and options.command not in ("worker", "beat", "manage", "createsuperuser"):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if options.command == "serve":
        return serve(options.host, options.port, options.workers, options.with_worker)
    if options.command == "claude-code":
        path = _settings_file(options.scope, options.project, options.settings)
        return claude_code_hooks(options.action, path, options.dry_run)
    if options.command == "backup":
        return backup(options.output, options.timeout)
    if options.command in ("worker", "beat"):
        _django_setup()
        _refuse_newer_schema(reachable_only=True)
        _exec_celery(options.command, *extra)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    from django.core.management import execute_from_command_line

    # The first thing a new hub needs, and the admin's login page names it: a command of its own.
    args = ["createsuperuser"] if options.command == "createsuperuser" else options.args
    execute_from_command_line(["tmuxhub manage", *args, *extra])
    return 0


if __name__ == "__main__":
    sys.exit(main())
