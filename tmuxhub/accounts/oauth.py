"""Operations on DOT's tokens and clients that tmuxhub needs beyond DOT itself."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_application_model,
    get_grant_model,
    get_refresh_token_model,
)


def revoke_user_tokens(user: AbstractBaseUser) -> int:
    """Kill every token and pending code of a user at once; returns how many access tokens died.

    Refresh tokens are marked revoked rather than deleted: DOT's reuse protection needs the
    tombstones to recognise a replayed one.
    """
    with transaction.atomic():
        get_refresh_token_model().objects.filter(user=user, revoked__isnull=True).update(
            revoked=timezone.now()
        )
        deleted, _ = get_access_token_model().objects.filter(user=user).delete()
        get_grant_model().objects.filter(user=user).delete()
    return deleted


def expire_unused_clients(older_than: timedelta) -> int:
    """Delete dynamically registered clients that never obtained a token for a person.

    Claude registers a new client on every fresh connection, so most registrations are never
    used; their only token is the RFC 7592 registration token, which has no user.
    """
    application_model = get_application_model()
    user_tokens = get_access_token_model().objects.filter(application=OuterRef("pk"), user__isnull=False)
    refresh_tokens = get_refresh_token_model().objects.filter(application=OuterRef("pk"))
    grants = get_grant_model().objects.filter(application=OuterRef("pk"))
    unused = (
        application_model.objects.filter(
            registration_source=application_model.RegistrationSource.DCR,
            created__lt=timezone.now() - older_than,
        )
        .exclude(Exists(user_tokens))
        .exclude(Exists(refresh_tokens))
        .exclude(Exists(grants))
    )
    _, deleted = unused.delete()
    return deleted.get(application_model._meta.label, 0)
