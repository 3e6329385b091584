"""Losing access takes effect at once: tokens die when a person leaves the allow-list or is deactivated."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from .models import AllowedGitHubUser
from .oauth import revoke_user_tokens


@receiver(post_delete, sender=AllowedGitHubUser)
def revoke_tokens_of_removed_user(sender: type, instance: AllowedGitHubUser, **kwargs: Any) -> None:
    if instance.user_id is not None:
        user = get_user_model().objects.filter(pk=instance.user_id).first()
        if user is not None:
            revoke_user_tokens(user)


@receiver(post_save, sender=get_user_model())
def revoke_tokens_of_deactivated_user(sender: type, instance: Any, **kwargs: Any) -> None:
    if not instance.is_active:
        revoke_user_tokens(instance)


def seed_allow_list(sender: Any, **kwargs: Any) -> None:
    """After every `migrate`: add the logins in TMUXHUB_ALLOWED_GITHUB_USERS that are missing."""
    from django.conf import settings

    AllowedGitHubUser.seed(settings.TMUXHUB_ALLOWED_GITHUB_USERS)


def connect_post_migrate(app_config: Any) -> None:
    post_migrate.connect(seed_allow_list, sender=app_config, dispatch_uid="accounts.seed_allow_list")
