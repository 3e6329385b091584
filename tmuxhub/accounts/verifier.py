"""The bearer-token check for `/mcp`: DOT's opaque access tokens, bound to this resource."""

from __future__ import annotations

import hashlib

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
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


def _lookup(token: str) -> HubAccessToken | None:
    # What Django does at the start of each request, which /mcp calls are not: drop this thread's
    # connection if a database restart broke it, instead of failing on it forever.
    close_old_connections()
    checksum = hashlib.sha256(token.encode()).hexdigest()
    row = (
        get_access_token_model()
        .objects.select_related("user", "user__allow_list_entry", "application")
        .filter(token_checksum=checksum)
        .first()
    )
    if row is None or row.user is None or not row.user.is_active:
        return None
    if row.expires <= timezone.now():
        return None
    # DOT treats a token without a resource as unrestricted; /mcp only takes tokens minted for it.
    if settings.MCP_RESOURCE_URL not in (row.resource or []):
        return None
    # Removing someone from the allow-list revokes their tokens; this also covers a token minted
    # between the removal and the revocation.
    entry = getattr(row.user, "allow_list_entry", None)
    if entry is None:
        return None
    return HubAccessToken(
        token=token,
        client_id=row.application.client_id if row.application else "",
        scopes=row.scope.split(),
        expires_at=int(row.expires.timestamp()),
        resource=settings.MCP_RESOURCE_URL,
        subject=str(row.user.pk),
        user_id=row.user.pk,
        username=row.user.get_username(),
        application_id=row.application_id,
        tier=entry.tier,
    )


class DjangoTokenVerifier(TokenVerifier):
    async def verify_token(self, token: str) -> AccessToken | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        return await sync_to_async(_lookup, thread_sensitive=False)(token)
