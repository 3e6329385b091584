from django.contrib import admin
from django.urls import include, path

from . import dashboard
from .health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", dashboard.assets.favicon, name="favicon"),
    # Before the admin: the dashboard replaces its index and adds the owner's pages.
    path("admin/", include(dashboard.urlpatterns)),
    path("admin/", admin.site.urls),
    path("", include("tmuxhub.accounts.urls")),
]
