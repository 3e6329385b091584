"""ASGI entry served by uvicorn: Django and the MCP endpoint in one process.

`tmuxhub serve` runs it as `uvicorn tmuxhub.asgi:application --no-proxy-headers`: who the client is
comes from the socket peer and TMUXHUB_TRUSTED_PROXIES alone (abuse/clientip.py), never from
uvicorn's own reading of X-Forwarded-For. Run it under another server the same way.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

django_app = get_asgi_application()

# Imported after Django is set up: both touch models and settings.
from abuse.middleware import RateLimitMiddleware  # noqa: E402
from bridge import audit, watch  # noqa: E402
from bridge.endpoint import McpEndpoint  # noqa: E402
from bridge.server import build_server  # noqa: E402
from tmuxhub.accesslog import AccessLog  # noqa: E402
from tmuxhub.accounts.paths import is_public_auth_path  # noqa: E402
from tmuxhub.accounts.token_cache import CachedTokenVerifier, LimiterRead  # noqa: E402
from tmuxhub.keepalive import KeepAlive  # noqa: E402
from tmuxhub.limits import RequestLimits  # noqa: E402
from tmuxhub.routing import Entrance, HubRouter  # noqa: E402


async def token_is_valid(token: str) -> bool:
    """The rate limiter's token check: `/mcp`'s own verifier and its cache, so a token is looked up once."""
    return await CachedTokenVerifier().verify_token(token) is not None


mcp = McpEndpoint(build_server())
rate_limits = RateLimitMiddleware(
    HubRouter(django_app=django_app, mcp_app=KeepAlive(mcp, settings.TMUXHUB_MCP_KEEPALIVE_SECONDS)),
    verify_token=token_is_valid,
    is_discovery=is_public_auth_path,
    token_entry=LimiterRead(),
)
# The access log is outermost but for the lifespan, so every answer is logged, a 413 or a 429 included.
# Parts start in this order and stop in reverse: calls end first, then the writers write their last rows.
application = Entrance(
    AccessLog(RequestLimits(rate_limits)),
    parts=[rate_limits.running, audit.running, watch.running, mcp.running],
)
