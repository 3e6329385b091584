"""ASGI entry served by uvicorn: Django and the MCP endpoint in one process.

uvicorn tmuxhub.asgi:application --no-proxy-headers

(`tmuxhub serve` runs exactly that; with uvicorn's default proxy headers the app refuses to start:
only `abuse/clientip.py` decides who the client is.)
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

django_app = get_asgi_application()

# Imported after Django is set up: both touch models and settings.
from abuse.middleware import RateLimitMiddleware  # noqa: E402
from bridge.server import build_mcp_app  # noqa: E402
from tmuxhub.accesslog import AccessLog  # noqa: E402
from tmuxhub.accounts.paths import is_public_auth_path  # noqa: E402
from tmuxhub.accounts.token_cache import CachedTokenVerifier, LimiterRead  # noqa: E402
from tmuxhub.keepalive import KeepAlive  # noqa: E402
from tmuxhub.limits import RequestLimits  # noqa: E402
from tmuxhub.routing import HubRouter  # noqa: E402


async def token_is_valid(token: str) -> bool:
    """The rate limiter's token check: `/mcp`'s own verifier and its cache, so a token is looked up once."""
    return await CachedTokenVerifier().verify_token(token) is not None


# Outermost, so every answer is logged, a 413 or a 429 included.
application = AccessLog(
    RequestLimits(
        RateLimitMiddleware(
            HubRouter(
                django_app=django_app,
                mcp_app=KeepAlive(build_mcp_app(), settings.TMUXHUB_MCP_KEEPALIVE_SECONDS),
            ),
            verify_token=token_is_valid,
            is_discovery=is_public_auth_path,
            token_entry=LimiterRead(),
        )
    )
)
