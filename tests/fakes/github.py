"""A local fake GitHub speaking the OAuth web flow and `/user` as github.com does.

    with FakeGitHub(client_id="id", client_secret="secret") as github:
        github.login_as("alice", 1001)   # whoever "logs in" at GitHub next

The hub reaches it through `GITHUB_AUTHORIZATION_URL`, `GITHUB_ACCESS_TOKEN_URL`, `GITHUB_API_URL`.
"""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

MAX_BODY = 64 * 1024


@dataclass
class GitHubAccount:
    login: str
    id: int


@dataclass
class FakeGitHub:
    client_id: str = "fake-github-client"
    client_secret: str = "fake-github-secret"
    account: GitHubAccount = field(default_factory=lambda: GitHubAccount("octocat", 583231))
    codes: dict[str, GitHubAccount] = field(default_factory=dict)
    tokens: dict[str, GitHubAccount] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the fake GitHub is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        """The hub's settings that point it at this server."""
        return {
            "GITHUB_CLIENT_ID": self.client_id,
            "GITHUB_CLIENT_SECRET": self.client_secret,
            "GITHUB_AUTHORIZATION_URL": f"{self.url}/login/oauth/authorize",
            "GITHUB_ACCESS_TOKEN_URL": f"{self.url}/login/oauth/access_token",
            "GITHUB_API_URL": f"{self.url}/",
        }

    def login_as(self, login: str, github_id: int) -> None:
        self.account = GitHubAccount(login, github_id)

    def __enter__(self) -> FakeGitHub:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        self.requests.append(f"{method} {parts.path}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if method == "GET" and parts.path == "/login/oauth/authorize":
            self._authorize(request, query)
        elif method == "POST" and parts.path == "/login/oauth/access_token":
            length = min(int(request.headers.get("Content-Length") or 0), MAX_BODY)
            form = {k: v[0] for k, v in parse_qs(request.rfile.read(length).decode()).items()}
            self._access_token(request, {**query, **form})
        elif method == "GET" and parts.path in ("/user", "/user/emails"):
            self._user(request, emails=parts.path.endswith("/emails"))
        else:
            _send_json(request, 404, {"message": "Not Found"})

    def _authorize(self, request: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        """The person approves at once; GitHub sends them back with a one-time code."""
        if query.get("client_id") != self.client_id or not query.get("redirect_uri"):
            _send_json(request, 404, {"message": "Not Found"})
            return
        code = secrets.token_hex(10)
        self.codes[code] = self.account
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        request.send_response(302)
        request.send_header("Location", target)
        request.send_header("Content-Length", "0")
        request.end_headers()

    def _access_token(self, request: BaseHTTPRequestHandler, form: dict[str, str]) -> None:
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            _send_json(request, 200, {"error": "incorrect_client_credentials"})
            return
        account = self.codes.pop(form.get("code", ""), None)
        if account is None:
            _send_json(request, 200, {"error": "bad_verification_code"})
            return
        token = f"gho_{secrets.token_hex(16)}"
        self.tokens[token] = account
        _send_json(request, 200, {"access_token": token, "token_type": "bearer", "scope": ""})

    def _user(self, request: BaseHTTPRequestHandler, emails: bool) -> None:
        header = request.headers.get("Authorization", "")
        account = self.tokens.get(header.removeprefix("token ").removeprefix("Bearer "))
        if account is None:
            _send_json(request, 401, {"message": "Bad credentials"})
        elif emails:
            _send_json(request, 200, [])
        else:
            _send_json(
                request, 200, {"login": account.login, "id": account.id, "name": account.login.title()}
            )


def _send_json(request: BaseHTTPRequestHandler, status: int, body: object) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.end_headers()
    request.wfile.write(data)
