"""Losing access takes effect at once: the one place that reacts when access changes.

Leaving the allow-list, being deactivated or losing staff ends every browser session of the person
and kills their tokens; an account that came from GitHub also loses `is_staff`/`is_superuser` the
moment its allow-list entry is deleted, its staff box unticked or the account deactivated (not at its
next login). Any change
to a token, a user or an allow-list entry also drops what `/mcp` cached about it (`token_cache`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save
from django.dispatch import receiver
from oauth2_provider.models import get_access_token_model

from . import token_cache
from .models import AllowedGitHubUser
from .oauth import revoke_user_tokens
from .sessions import end_sessions

User = get_user_model()
ACCESS_FIELDS = ("is_active", "is_staff", "is_superuser")


def _drop_admin_rights(user_id: int) -> None:
    """Clear both flags of a GitHub account; the user's post_save then ends its sessions."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None and (user.is_staff or user.is_superuser):
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])


@receiver(post_delete, sender=AllowedGitHubUser)
def withdraw_removed_person(sender: type, instance: AllowedGitHubUser, **kwargs: Any) -> None:
    if instance.user_id is None:
        return
    _drop_admin_rights(instance.user_id)
    end_sessions(instance.user_id)
    user = User.objects.filter(pk=instance.user_id).first()
    if user is not None:
        revoke_user_tokens(user)


@receiver(post_save, sender=AllowedGitHubUser)
def withdraw_unticked_staff(sender: type, instance: AllowedGitHubUser, **kwargs: Any) -> None:
    if instance.user_id is not None and not instance.is_staff:
        _drop_admin_rights(instance.user_id)


@receiver(pre_save, sender=User)
def remember_access(sender: type, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Note what the row held before this save, so post_save sees what was taken away."""
    if instance.pk is None or (update_fields is not None and not set(ACCESS_FIELDS) & set(update_fields)):
        instance._access_before = None
        return
    instance._access_before = User.objects.filter(pk=instance.pk).values(*ACCESS_FIELDS).first()


@receiver(post_save, sender=User)
def withdraw_lost_access(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not instance.is_active:
        revoke_user_tokens(instance)
    before = getattr(instance, "_access_before", None)
    instance._access_before = None
    if created or not before:
        return
    if any(before[field] and not getattr(instance, field) for field in ACCESS_FIELDS):
        end_sessions(instance.pk)
    if (
        before["is_active"]
        and not instance.is_active
        and AllowedGitHubUser.objects.filter(user=instance).exists()
    ):
        _drop_admin_rights(instance.pk)  # a GitHub account: its allow-list entry restores staff at login


# Something just created has nothing cached yet (a token is cached only once its user is allow-listed).
@receiver([post_save, post_delete], sender=get_access_token_model())
def drop_cached_token(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and instance.token_checksum:
        token_cache.tombstone([instance.token_checksum])


@receiver([post_save, post_delete], sender=User)
def drop_cached_tokens_of_user(sender: type, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created:
        token_cache.forget_user(instance.pk)


@receiver([post_save, post_delete], sender=AllowedGitHubUser)
def drop_cached_tokens_of_entry(
    sender: type, instance: AllowedGitHubUser, created: bool = False, **kwargs: Any
) -> None:
    if not created:
        token_cache.forget_user(instance.user_id)


def seed_allow_list(sender: Any, **kwargs: Any) -> None:
    """After every `migrate`: add the logins in TMUXHUB_ALLOWED_GITHUB_USERS that are missing."""
    from django.conf import settings

    AllowedGitHubUser.seed(settings.TMUXHUB_ALLOWED_GITHUB_USERS)


def connect_post_migrate(app_config: Any) -> None:
    post_migrate.connect(seed_allow_list, sender=app_config, dispatch_uid="accounts.seed_allow_list")
