"""The MCP SDK's own OAuth client connects: its discovery, registration, PKCE and token handling
accept what tmuxhub serves. Only the browser part (GitHub login, consent) is driven by the test."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from pydantic import AnyUrl

from tests.auth.oauth_client import OAuthClient, query_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.anyio]

SDK_CALLBACK = "http://127.0.0.1:33418/callback"


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


@pytest.fixture
def browser(oauth: OAuthClient, allow) -> OAuthClient:
    """The person's browser: logs in with GitHub and allows the client."""
    allow("octocat")
    oauth.redirect_uri = SDK_CALLBACK
    return oauth


async def test_the_sdk_client_connects_and_calls_a_tool(browser: OAuthClient, tmux: Any) -> None:
    storage = MemoryStorage()
    answers: dict[str, str] = {}

    def approve(authorization_url: str) -> None:
        redirect = browser.consent(browser.log_in_with_github(authorization_url))
        assert redirect.status_code == 302, redirect.text
        assert redirect.headers["location"].startswith(f"{SDK_CALLBACK}?")
        answers.update(query_of(redirect.headers["location"]))

    async def redirect_handler(authorization_url: str) -> None:
        await anyio.to_thread.run_sync(approve, authorization_url)

    async def callback_handler() -> AuthorizationCodeResult:
        return AuthorizationCodeResult(code=answers["code"], state=answers["state"], iss=answers.get("iss"))

    provider = OAuthClientProvider(
        server_url=browser.hub.mcp_url,
        client_metadata=OAuthClientMetadata(
            client_name="SDK test client",
            redirect_uris=[AnyUrl(SDK_CALLBACK)],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    tmux.new_session(session_name="sdk")
    async with (
        create_mcp_http_client(auth=provider) as http,
        streamable_http_client(browser.hub.mcp_url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("tmux_list_sessions", {})
    assert not result.is_error, result
    assert storage.client_info is not None
    assert storage.client_info.token_endpoint_auth_method == "none"
    assert storage.tokens is not None
    assert storage.tokens.refresh_token
