"""WSGI entry, for tools that want one; tmuxhub is served by uvicorn through `tmuxhub.asgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tmuxhub.settings")

application = get_wsgi_application()
