"""What the admin pages load besides themselves: the site's icon and the admin's translation catalogue."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog

FAVICON = settings.BASE_DIR / "static" / "tmuxhub" / "favicon.svg"

# The admin's translation catalogue, which every list and form page loads: staff only as before (see
# `tmuxhub.dashboard.urlpatterns`), but cached by the browser for a day instead of asked for on every page.
javascript_catalog = cache_control(private=True, max_age=24 * 3600)(
    JavaScriptCatalog.as_view(packages=["django.contrib.admin"])
)


@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers ask for on every page that names no icon (JSON, the login)."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
