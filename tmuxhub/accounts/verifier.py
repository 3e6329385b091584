"""The bearer-token check for `/mcp`: DOT's opaque access tokens, bound to this resource."""

from __future__ import annotations

import hashlib
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from mcp.server.auth.provider import AccessToken, TokenVerifier
from oauth2_provider.models import get_access_token_model

# DOT's tokens are ~30-40 characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 512


class HubAccessToken(AccessToken):
    """What a tool sees through `get_access_token()`: the token plus the user it acts for."""

    user_id: int
    username: str
    application_id: int | None = None
    # The person's tier from the allow-list; blank means the server's TMUXHUB_SAFETY_TIER.
    tier: str = ""


def _find(checksum: str) -> dict[str, Any] | None:
    """The token's row with what the checks need, only for an active, allow-listed person.

    One query returning plain values: this runs on every `/mcp` request.
    """
    username = f"user__{get_user_model().USERNAME_FIELD}"
    return (
        get_access_token_model()
        .objects.filter(
            token_checksum=checksum,
            expires__gt=timezone.now(),
            user__is_active=True,
            # Removing someone from the allow-list revokes their tokens; this also covers a token
            # minted between the removal and the revocation.
            user__allow_list_entry__isnull=False,
        )
        .values(
            "user_id",
            username,
            "user__allow_list_entry__tier",
            "application_id",
            "application__client_id",
            "scope",
            "expires",
            "resource",
        )
        .first()
    )


def _lookup(token: str) -> HubAccessToken | None:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    try:
        row = _find(checksum)
    except (InterfaceError, OperationalError):
        # /mcp calls are not Django requests, so nothing renews this thread's connection: when a
        # database restart broke it, drop it and ask once more on a fresh one.
        connection.close()
        row = _find(checksum)
    if row is None:
        return None
    # DOT treats a token without a resource as unrestricted; /mcp only takes tokens minted for it.
    if settings.MCP_RESOURCE_URL not in (row["resource"] or []):
        return None
    return HubAccessToken(
        token=token,
        client_id=row["application__client_id"] or "",
        scopes=row["scope"].split(),
        expires_at=int(row["expires"].timestamp()),
        resource=settings.MCP_RESOURCE_URL,
        subject=str(row["user_id"]),
        user_id=row["user_id"],
        username=row[f"user__{get_user_model().USERNAME_FIELD}"],
        application_id=row["application_id"],
        tier=row["user__allow_list_entry__tier"],
    )


class DjangoTokenVerifier(TokenVerifier):
    async def verify_token(self, token: str) -> AccessToken | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        return await sync_to_async(_lookup, thread_sensitive=False)(token)
