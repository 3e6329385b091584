"""DOT's client admin with a revoke action; DOT registers it (settings `APPLICATION_ADMIN_CLASS`).

A module of its own because DOT's admin imports it while DOT's admin is still loading.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from oauth2_provider.admin import ApplicationAdmin as DOTApplicationAdmin
from oauth2_provider.models import get_access_token_model, get_refresh_token_model


class ApplicationAdmin(DOTApplicationAdmin):
    # Claude registers a client per connection, all named alike: who holds its tokens tells them
    # apart better than the 40-character client id (searchable, and on the client's page).
    list_display = ("name", "people", "registration_source", "created")
    list_filter = ("registration_source", "client_type")
    search_fields = ("name", "client_id")
    actions = ("revoke_all_tokens",)

    @admin.display(description="tokens held by")
    def people(self, application: Any) -> str:
        holders = (
            get_access_token_model()
            .objects.filter(application=application, user__isnull=False)
            .values_list("user__username", flat=True)
            .distinct()
        )
        return ", ".join(sorted(holders)) or "nobody"

    @admin.action(description="Revoke every token of the selected clients")
    def revoke_all_tokens(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        revoked = 0
        for refresh_token in get_refresh_token_model().objects.filter(
            application__in=queryset, revoked__isnull=True
        ):
            refresh_token.revoke()
            revoked += 1
        # Access tokens without a refresh token; registration tokens (no user) stay.
        deleted, _ = (
            get_access_token_model().objects.filter(application__in=queryset, user__isnull=False).delete()
        )
        self.message_user(request, f"Revoked {revoked} refresh tokens and {deleted} remaining access tokens.")
