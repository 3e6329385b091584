"""The owner's admin pages beyond the model admins, one module each: the dashboard (`index`), the
login (`login`), people and their sign-ins (`people`), the live pane view (`panes`); and what they
load (`assets`: the site's icon, the translation catalogue). `site` is the admin site itself.

Every page but the login (and the icon) is wrapped in `admin.site.admin_view` (see `urlpatterns`):
staff only, CSRF-protected, never cached (the admin's translation catalogue alone is cached, a day).
The dashboard replaces the admin index (`/admin/`) and keeps the app list beside it. How times,
durations and clients read is in `tmuxhub.lib.humanize`, the pane's colours in `tmuxhub.lib.ansi`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import URLPattern, path

from . import assets, index, login, panes, people


def _staff(view: Any) -> Any:
    return admin.site.admin_view(view)


urlpatterns: list[URLPattern] = [
    path("", _staff(index.index), name="dashboard"),
    path("login/", login.login, name="dashboard-login"),
    path("people/", _staff(people.people), name="dashboard-people"),
    path("people/tokens/<int:token_id>/revoke", _staff(people.revoke_token), name="dashboard-revoke-token"),
    path("people/<int:entry_id>/revoke", _staff(people.revoke_person), name="dashboard-revoke-person"),
    path("panes/", _staff(panes.panes), name="dashboard-panes"),
    path("panes/capture", _staff(panes.pane_capture), name="dashboard-pane-capture"),
    path("jsi18n/", admin.site.admin_view(assets.javascript_catalog, cacheable=True)),
]
