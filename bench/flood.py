"""429 flood benchmark: many client IPs hammer tmuxhub past their limit; how many refusals per second
does it answer, and is every one of them counted in the database?

    python -m bench.flood                       # 1,000 IPs x 20 requests, 1 uvicorn worker
    python -m bench.flood --ips 1000 --requests 40 --workers 2 --json

It serves tmuxhub with uvicorn on a free port, with its own data folder and SQLite database (or the
throw-away database `--database-url` names: it gets migrated and filled), its own Redis keys (REDIS_URL,
default redis://127.0.0.1:6379/15, removed afterwards) and a trusted proxy, so each request's
`X-Forwarded-For` names its client. The load generator speaks raw HTTP/1.1 over keep-alive connections
(cheap enough not to be what is measured). After the flood the server is stopped cleanly and the
Offender rows are compared with the 429s the clients received, IP by IP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.hub import free_port, uvicorn_argv
from tests.support.processes import stop, wait_for_port

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class FloodResult:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    refused_by_ip: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    retry_after_missing: int = 0

    @property
    def refused(self) -> int:
        return self.statuses[429]

    @property
    def refused_per_second(self) -> float:
        return self.refused / self.seconds if self.seconds else 0.0


def client_ips(count: int) -> list[str]:
    """Distinct global unicast addresses (as an attacker's would be)."""
    return [f"45.{i // 64516 % 256}.{i // 254 % 254 + 1}.{i % 254 + 1}" for i in range(count)]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[bytes, bytes]]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get(b"content-length", b"0"))
    if length:
        await reader.readexactly(length)
    return status, headers


async def flood(
    host: str, port: int, ips: list[str], requests_per_ip: int, connections: int = 64, path: str = "/healthz"
) -> FloodResult:
    """Send `requests_per_ip` requests for each IP (interleaved) over `connections` connections."""
    result = FloodResult()
    work = [ip for _ in range(requests_per_ip) for ip in ips]
    position = 0

    async def connection() -> None:
        nonlocal position
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while position < len(work):
                ip = work[position]
                position += 1
                request = (
                    f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: tmuxhub-flood\r\n"
                    f"X-Forwarded-For: {ip}\r\n\r\n"
                )
                writer.write(request.encode())
                status, headers = await _read_response(reader)
                result.sent += 1
                result.statuses[status] += 1
                if status == 429:
                    result.refused_by_ip[ip] += 1
                    if b"retry-after" not in headers:
                        result.retry_after_missing += 1
                if headers.get(b"connection") == b"close":
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def _environment(data_dir: str, limit: int, database_url: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {
        **inherited,
        **({"DATABASE_URL": database_url} if database_url else {}),
        "DJANGO_SETTINGS_MODULE": "tmuxhub.settings",
        "TMUXHUB_ENV_FILE": os.devnull,
        "TMUXHUB_DATA_DIR": data_dir,
        "TMUXHUB_INSTANCE": f"tmuxhub-flood-{os.getpid()}",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
        "TMUXHUB_TRUSTED_PROXIES": "127.0.0.1",
        "ABUSE_ANON_LIMIT": str(limit),
        "ABUSE_ANON_WINDOW": "3600",
        "LOG_LEVEL": "WARNING",
    }


def _counted(env: dict[str, str]) -> dict[str, int]:
    """hits per IP as the database has them (read in a child process with the server's settings)."""
    code = (
        "import django, json; django.setup(); from abuse.models import Offender; "
        "print(json.dumps(dict(Offender.objects.values_list('ip', 'hits'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, timeout=120, check=True
    )
    return {ip: int(hits) for ip, hits in json.loads(out.stdout).items()}


def _flush_redis(env: dict[str, str]) -> None:
    import redis

    client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
    keys = list(client.scan_iter(match=f"{env['TMUXHUB_INSTANCE']}*", count=1000))
    if keys:
        client.delete(*keys)


def run(
    ips: int, requests_per_ip: int, workers: int, connections: int, limit: int, database_url: str = ""
) -> dict[str, object]:
    data_dir = tempfile.mkdtemp(prefix="tmuxhub-flood-")
    env = _environment(data_dir, limit, database_url)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "--verbosity=0"], cwd=BASE_DIR, env=env, check=True, timeout=300)
    port = free_port()
    server = subprocess.Popen(
        uvicorn_argv(port, "--workers", str(workers), "--no-access-log"), cwd=BASE_DIR, env=env
    )
    try:
        wait_for_port(port, server, "tmuxhub")
        addresses = client_ips(ips)
        # Untimed: each IP uses up its allowance (these reach Django); then the timed 429 flood.
        warmup = asyncio.run(flood("127.0.0.1", port, addresses, limit, connections))
        result = asyncio.run(flood("127.0.0.1", port, addresses, requests_per_ip, connections))
        result.refused_by_ip.update(warmup.refused_by_ip)
    finally:
        stop(server, timeout=60)  # a clean shutdown: the collector writes what it still holds
    try:
        counted = _counted(env)
    finally:
        _flush_redis(env)
        shutil.rmtree(data_dir, ignore_errors=True)
    expected = {ip: n for ip, n in result.refused_by_ip.items() if n}
    refused_total = result.refused + warmup.refused
    mismatched = sorted(
        ip for ip in set(expected) | set(counted) if expected.get(ip, 0) != counted.get(ip, 0)
    )
    return {
        "ips": ips,
        "requests_per_ip": requests_per_ip,
        "uvicorn_workers": workers,
        "connections": connections,
        "sent": result.sent,
        "statuses": dict(result.statuses),
        "refused": result.refused,
        "seconds": round(result.seconds, 3),
        "refused_per_second": round(result.refused_per_second),
        "requests_per_second": round(result.sent / result.seconds) if result.seconds else 0,
        "counted_in_db": sum(counted.values()),
        "counts_exact": not mismatched and sum(counted.values()) == refused_total,
        "mismatched_ips": mismatched[:10],
        "retry_after_missing": result.retry_after_missing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ips", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20, help="requests per IP past its allowance")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--limit", type=int, default=2, help="requests per IP before 429s start")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--database-url", default="", help="a throw-away database instead of SQLite")
    options = parser.parse_args(argv)
    figures = run(
        options.ips,
        options.requests,
        options.workers,
        options.connections,
        options.limit,
        options.database_url,
    )
    if options.json:
        print(json.dumps(figures))
    else:
        for name, value in figures.items():
            print(f"{name:22} {value}")
    return 0 if figures["counts_exact"] and not figures["retry_after_missing"] else 1


if __name__ == "__main__":
    sys.exit(main())
