"""DOT's request validator with two RFC 6749 §4.1 rules DOT leaves out (settings
`OAUTH2_VALIDATOR_CLASS`).

- A replayed authorization code revokes the tokens it was exchanged for (§4.1.2): whoever replays a
  code has seen it, so the first exchange may have been theirs. The tokens' refresh-token family
  is remembered in the cache for `USED_CODE_SECONDS` after the exchange; a replay revokes the whole
  family (every rotation since) and the access tokens with it.
- The token request must repeat `redirect_uri` (§4.1.3): `/authorize` requires one
  (`HubAuthorizationView`), so every code was issued for an explicit redirect URI.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from typing import Any

from django.core.cache import cache
from oauth2_provider.models import get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator

logger = logging.getLogger(__name__)

USED_CODE_SECONDS = 24 * 3600


def _used_code_key(code: str) -> str:
    return f"oauth-used-code:{hashlib.sha256(code.encode()).hexdigest()}"


class HubOAuth2Validator(OAuth2Validator):
    def _create_refresh_token(
        self, request: Any, refresh_token_code: str, access_token: Any, previous_refresh_token: Any
    ) -> Any:
        refresh_token = super()._create_refresh_token(
            request, refresh_token_code, access_token, previous_refresh_token
        )
        if request.grant_type == "authorization_code":
            request.hub_token_family = refresh_token.token_family
        return refresh_token

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        super().invalidate_authorization_code(client_id, code, request, *args, **kwargs)
        family = getattr(request, "hub_token_family", None)
        if family is not None:
            cache.set(_used_code_key(code), str(family), timeout=USED_CODE_SECONDS)

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        family = cache.get(_used_code_key(code))
        if family:
            cache.delete(_used_code_key(code))
            get_refresh_token_model().revoke_family(uuid.UUID(family))
            logger.warning("an authorization code was used twice: revoked the tokens it was exchanged for")
        return False

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        request = args[0] if args else kwargs.get("request")
        if request is not None and getattr(request, "using_default_redirect_uri", False):
            return False
        return bool(super().confirm_redirect_uri(client_id, code, redirect_uri, client, *args, **kwargs))
