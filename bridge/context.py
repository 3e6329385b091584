"""Who is calling: the authenticated user (from the bearer token) and the tier they may use.

`HubServer` resolves the caller once per request (`resolve_caller`, from the token the SDK's auth
middleware checked), keeps it in a context variable
for the tools of that request (`current_caller()`), and uses its tier to hide and refuse tools.
A caller's ceiling is the lower of the server's `TMUXHUB_SAFETY_TIER` and their allow-list tier,
which the token verifier (`tmuxhub.accounts.verifier`) reads with the token: no query per call.
Nothing here depends on the MCP SDK: the audit log and the admin use `Caller` without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal, cast

from django.conf import settings

from .exceptions import BridgeError

Tier = Literal["readonly", "mutating", "destructive"]
TIER_ORDER: dict[str, int] = {"readonly": 0, "mutating": 1, "destructive": 2}


def allows(ceiling: str, tier: str) -> bool:
    """True when a caller capped at `ceiling` may see and call a tool of `tier`."""
    return TIER_ORDER[tier] <= TIER_ORDER[ceiling]


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
    """Run a tool call as `caller`."""
    token = _caller.set(caller)
    try:
        yield caller
    finally:
        _caller.reset(token)


def resolve_caller(token: Any) -> Caller:
    """The caller of a request, from the access token the verifier made (it carries the tier)."""
    server_tier: Tier = settings.TMUXHUB_SAFETY_TIER
    if token is None:
        return Caller(user_id=None, username="", client_id="", tier=server_tier)
    user_tier = getattr(token, "tier", "")
    tier = cast(Tier, user_tier) if TIER_ORDER.get(user_tier, 99) < TIER_ORDER[server_tier] else server_tier
    return Caller(
        user_id=getattr(token, "user_id", None),
        username=getattr(token, "username", ""),
        client_id=token.client_id,
        tier=tier,
    )
