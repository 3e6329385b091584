"""ASGI entry served by uvicorn: Django and the MCP endpoint in one process.

uvicorn tmuxhub.asgi:application
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

django_app = get_asgi_application()

# Imported after Django is set up: both touch models and settings.
from abuse.middleware import RateLimitMiddleware  # noqa: E402
from bridge.server import build_mcp_app  # noqa: E402
from tmuxhub import accesslog  # noqa: E402
from tmuxhub.limits import RequestLimits  # noqa: E402
from tmuxhub.routing import HubRouter  # noqa: E402

accesslog.install()
application = RequestLimits(RateLimitMiddleware(HubRouter(django_app=django_app, mcp_app=build_mcp_app())))
