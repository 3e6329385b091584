"""A test driver doing what an MCP client (Claude's connector) does over HTTP, step by step.

Each step asserts what the hub must answer, so a test reads as the flow it checks.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import httpx

from tests.fakes.github import FakeGitHub
from tests.support.hub import Hub, mcp_session, structured

CLAUDE_CALLBACK = "https://claude.ai/api/mcp/auth_callback"
TIMEOUT = 10


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


class _Inputs(HTMLParser):
    """The named inputs of the first form on a page."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.action: str | None = None
        self._forms = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._forms += 1
            self.action = self.action if self.action is not None else values.get("action", "")
        elif tag == "input" and self._forms == 1 and "name" in values:
            self.fields[values["name"]] = values.get("value", "")


def form_fields(html: str) -> tuple[str, dict[str, str]]:
    parser = _Inputs()
    parser.feed(html)
    return parser.action or "", parser.fields


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


@dataclass
class Authorization:
    """An authorization request in progress: what the client must remember until the token call."""

    verifier: str
    state: str
    url: str


@dataclass
class OAuthClient:
    hub: Hub
    github: FakeGitHub
    redirect_uri: str = CLAUDE_CALLBACK
    client_id: str = ""
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=TIMEOUT))

    def close(self) -> None:
        self.http.close()

    def get(self, path_or_url: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(self._absolute(path_or_url), **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(self._absolute(path_or_url), **kwargs)

    def _absolute(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else f"{self.hub.url}{path_or_url}"

    # --- discovery and registration -------------------------------------------------------------

    def authorization_server_metadata(self) -> dict[str, Any]:
        response = self.get("/.well-known/oauth-authorization-server")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def register(self, **metadata: Any) -> httpx.Response:
        body = {
            "client_name": "Claude",
            "redirect_uris": [self.redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "none",
            **metadata,
        }
        response = self.post("/register", json=body)
        if response.status_code == 201:
            self.client_id = response.json()["client_id"]
        return response

    def registered(self) -> OAuthClient:
        response = self.register()
        assert response.status_code == 201, response.text
        return self

    # --- authorization ----------------------------------------------------------------------------

    def authorization_request(self, **overrides: str) -> Authorization:
        verifier, challenge = pkce_pair()
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": secrets.token_urlsafe(16),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "resource": self.hub.mcp_url,
            "scope": "mcp",
            **overrides,
        }
        params = {k: v for k, v in params.items() if v is not None}
        return Authorization(
            verifier=verifier, state=params.get("state", ""), url=f"/authorize?{urlencode(params)}"
        )

    def log_in_with_github(self, authorize_url: str) -> httpx.Response:
        """From `/authorize` unauthenticated to the page `/authorize` shows after the GitHub login."""
        response = self.get(authorize_url)
        assert response.status_code == 302, response.text
        assert response.headers["location"].startswith("/accounts/login/"), response.headers["location"]

        login_page = self.get(response.headers["location"])
        assert login_page.status_code == 200
        action, fields = form_fields(login_page.text)
        assert action == "/login/github/"

        to_github = self.post(action, data=fields)
        assert to_github.status_code == 302, to_github.text
        assert to_github.headers["location"].startswith(f"{self.github.url}/login/oauth/authorize?")

        from_github = self.http.get(to_github.headers["location"])
        assert from_github.status_code == 302
        callback = from_github.headers["location"]
        assert callback.startswith(f"{self.hub.url}/complete/github/")

        completed = self.http.get(callback)
        if completed.status_code != 302:
            return completed
        assert completed.headers["location"].startswith("/authorize?"), completed.headers["location"]
        return self.get(completed.headers["location"])

    def consent(self, consent_page: httpx.Response, allow: bool = True) -> httpx.Response:
        assert consent_page.status_code == 200, consent_page.text
        _, fields = form_fields(consent_page.text)
        if allow:
            fields["allow"] = "Authorize"
        return self.post("/authorize", data=fields)

    def authorize(self, **overrides: str) -> tuple[str, Authorization]:
        """The whole front channel; returns the authorization code and the request it answers."""
        request = self.authorization_request(**overrides)
        page = self.log_in_with_github(request.url) if not self.logged_in() else self.get(request.url)
        redirect = self.consent(page)
        assert redirect.status_code == 302, redirect.text
        location = redirect.headers["location"]
        assert location.startswith(self.redirect_uri + "?"), location
        answer = query_of(location)
        assert answer["state"] == request.state
        return answer["code"], request

    def logged_in(self) -> bool:
        return "sessionid" in self.http.cookies

    # --- token endpoint ---------------------------------------------------------------------------

    def exchange(self, code: str, verifier: str, **overrides: str) -> httpx.Response:
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": verifier,
            "resource": self.hub.mcp_url,
            **overrides,
        }
        return self.post("/token", data=data)

    def tokens(self) -> dict[str, Any]:
        code, request = self.authorize()
        response = self.exchange(code, request.verifier)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def refresh(self, refresh_token: str) -> httpx.Response:
        data = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": self.client_id,
            "resource": self.hub.mcp_url,
        }
        return self.post("/token", data=data)

    def revoke(self, token: str) -> httpx.Response:
        return self.post("/revoke", data={"token": token, "client_id": self.client_id})


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "tmuxhub-tests", "version": "0"},
    },
}


def mcp_post(hub: Hub, token: str | None) -> httpx.Response:
    """One raw `initialize` POST to `/mcp`: its status says whether the token is accepted."""
    headers = {"Accept": "application/json, text/event-stream"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(hub.mcp_url, json=INITIALIZE, headers=headers, timeout=TIMEOUT)


def resource_metadata_url(response: httpx.Response) -> str:
    match = re.search(r'resource_metadata="([^"]+)"', response.headers.get("www-authenticate", ""))
    assert match, response.headers.get("www-authenticate")
    return match.group(1)


def call_tool(hub: Hub, token: str, name: str, arguments: dict[str, Any] | None = None) -> Any:
    """A real MCP `tools/call` through the SDK's client; returns the structured result."""

    async def call() -> Any:
        async with mcp_session(hub, token) as session:
            result = await session.call_tool(name, arguments or {})
            assert not result.is_error, result
            return structured(result)

    return anyio.run(call)
