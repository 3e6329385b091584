"""The allow-list in the admin. DOT's clients and tokens are registered by DOT (see oauth_admin)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import TIER_CHOICES, AllowedGitHubUser
from .oauth import revoke_user_tokens


@admin.register(AllowedGitHubUser)
class AllowedGitHubUserAdmin(admin.ModelAdmin[AllowedGitHubUser]):
    list_display = ("github_login", "tools", "is_staff", "user", "note", "created_at")
    list_filter = ("tier", "is_staff")
    search_fields = ("github_login", "note")
    readonly_fields = ("github_id", "user", "created_at")
    actions = ("revoke_tokens",)

    @admin.display(description="tier", ordering="tier")
    def tools(self, entry: AllowedGitHubUser) -> str:
        """The tier, and for a blank one which tier the server's setting gives."""
        if entry.tier:
            return entry.get_tier_display()
        return f"server tier: {dict(TIER_CHOICES)[settings.TMUXHUB_SAFETY_TIER]}"

    @admin.action(description="Revoke every token of the selected people (they stay allowed)")
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[AllowedGitHubUser]) -> None:
        revoked = sum(
            revoke_user_tokens(entry.user) for entry in queryset.select_related("user") if entry.user
        )
        self.message_user(request, f"Revoked {revoked} access tokens.")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, without the two widgets that fail a screen reader (axe-core): the
    split date-and-time inputs have no labels of their own, and the two-pane permission filter puts
    an aria-label on a bare span. Sign-in times are facts here, not settings; groups and permissions
    stay editable as plain labelled lists."""

    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")
