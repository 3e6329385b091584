"""Who is calling: the authenticated user (from the bearer token) and the tier they may use.

`HubServer` resolves the caller once per request (`resolve_caller`), keeps it in a context variable
for the tools of that request (`current_caller()`), and uses its tier to hide and refuse tools.
A caller's ceiling is the lower of the server's `TMUXHUB_SAFETY_TIER` and their allow-list tier.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from asgiref.sync import sync_to_async
from django.conf import settings
from mcp.server.auth.middleware.auth_context import get_access_token

from tmuxhub.accounts.models import AllowedGitHubUser

from .exceptions import BridgeError
from .registry import TIER_ORDER, Tier


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    username: str
    client_id: str
    tier: Tier


_caller: ContextVar[Caller | None] = ContextVar("tmuxhub_caller", default=None)


def current_caller() -> Caller:
    """The caller of the tool being run (inside a `tools/call` only)."""
    caller = _caller.get()
    if caller is None:
        raise BridgeError("this tool runs only inside an authenticated MCP call")
    return caller


@contextmanager
def acting_as(caller: Caller) -> Iterator[Caller]:
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


def _user_tier(username: str) -> str:
    row = (
        AllowedGitHubUser.objects.filter(github_login=username.lower()).values_list("tier", flat=True).first()
    )
    return row or ""


async def resolve_caller() -> Caller:
    """The caller of this request; reads the allow-list tier off the event loop."""
    server_tier: Tier = settings.TMUXHUB_SAFETY_TIER
    token = get_access_token()
    if token is None:
        return Caller(user_id=None, username="", client_id="", tier=server_tier)
    user_id = getattr(token, "user_id", None)
    username = getattr(token, "username", "")
    tier = server_tier
    # A read-only server caps everyone already: no need to ask the database.
    if username and server_tier != "readonly":
        user_tier = await sync_to_async(_user_tier, thread_sensitive=False)(username)
        if user_tier in TIER_ORDER and TIER_ORDER[user_tier] < TIER_ORDER[tier]:
            tier = user_tier  # type: ignore[assignment]
    return Caller(user_id=user_id, username=username, client_id=token.client_id, tier=tier)
