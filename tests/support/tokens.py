"""Real DOT access tokens, as the OAuth flow leaves them, for tests and the bench."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any


def mint_token(user: Any, resource: str, expires_in: int = 3600, client: str = "test client") -> str:
    """A token for `user` bound to `resource` (a hub's `/mcp`), issued to the public client `client`."""
    from django.utils import timezone
    from oauth2_provider.models import get_access_token_model, get_application_model, set_token_value

    application, _ = get_application_model().objects.get_or_create(
        name=client,
        defaults={
            "client_type": "public",
            "authorization_grant_type": "authorization-code",
            "redirect_uris": "https://claude.ai/api/mcp/auth_callback",
            "user": None,
        },
    )
    token = secrets.token_urlsafe(32)
    access = get_access_token_model()(
        user=user,
        application=application,
        scope="mcp",
        expires=timezone.now() + timedelta(seconds=expires_in),
        resource=[resource],
    )
    set_token_value(access, token)  # stored as DOT stores it: the checksum only
    access.save()
    return token
