from django.contrib import admin
from django.urls import include, path

from . import dashboard
from .health import healthz

# A full or read-only disk answers 503 saying so (JSON to API clients), not an HTML 500.
handler500 = "tmuxhub.storage.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", dashboard.assets.favicon, name="favicon"),
    # Before the admin: the dashboard replaces its index and adds the owner's pages.
    path("admin/", include(dashboard.urlpatterns)),
    path("admin/", admin.site.urls),
    path("", include("tmuxhub.accounts.urls")),
]
