"""`tmuxhub`: the common operations in one command.

tmuxhub serve            migrate, then serve web + MCP (and, with no Redis, a local worker)
tmuxhub worker           a Celery worker
tmuxhub beat             the Celery beat scheduler
tmuxhub manage ARGS...   any Django management command
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    import django

    django.setup()


def _prepare_database() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    call_command("createcachetable", verbosity=0)


def _celery_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "celery", "-A", "tmuxhub", *args]


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def serve(host: str, port: int, workers: int, with_worker: bool | None) -> int:
    _django_setup()
    from django.conf import settings

    _prepare_database()
    from bridge import tmux

    tmux.ensure_server()
    # The embedded default has no Redis: a worker with beat runs beside the web process so the
    # abuse pipeline still works on a laptop. With Redis, run `tmuxhub worker` separately.
    run_worker = with_worker if with_worker is not None else not settings.REDIS_URL
    worker = None
    if run_worker:
        schedule = settings.DATA_DIR / "celerybeat-schedule"
        worker = subprocess.Popen(
            _celery_argv("worker", "--beat", f"--schedule={schedule}", "--pool=solo", "--loglevel=INFO")
        )
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
        "--timeout-graceful-shutdown",
        "10",
    ]
    print(f"tmuxhub serving {settings.PUBLIC_URL} (listening on {host}:{port})", flush=True)
    web = subprocess.Popen(web_argv)
    # `docker stop` and service managers send SIGTERM: stop both children, not just this process.
    signal.signal(signal.SIGTERM, lambda *_: _stop(web))
    try:
        return web.wait()
    except KeyboardInterrupt:
        _stop(web)
        return 130
    finally:
        _stop(worker)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tmuxhub", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="migrate and serve the web app and /mcp")
    serve_parser.add_argument("--host", default=os.environ.get("TMUXHUB_HOST", "127.0.0.1"))
    serve_parser.add_argument("--port", type=int, default=int(os.environ.get("TMUXHUB_PORT", "8000")))
    serve_parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    worker_group = serve_parser.add_mutually_exclusive_group()
    worker_group.add_argument("--with-worker", dest="with_worker", action="store_true", default=None)
    worker_group.add_argument("--no-worker", dest="with_worker", action="store_false")

    commands.add_parser("worker", help="run a Celery worker")
    commands.add_parser("beat", help="run the Celery beat scheduler")
    manage_parser = commands.add_parser("manage", help="run a Django management command")
    manage_parser.add_argument("args", nargs=argparse.REMAINDER)

    options = parser.parse_args(argv)
    if options.command == "serve":
        return serve(options.host, options.port, options.workers, options.with_worker)
    if options.command == "worker":
        return subprocess.call(_celery_argv("worker", "--loglevel=INFO"))
    if options.command == "beat":
        return subprocess.call(_celery_argv("beat", "--loglevel=INFO"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tmuxhub manage", *options.args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
