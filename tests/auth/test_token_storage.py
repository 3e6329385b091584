"""A copy of the database holds no usable bearer, refresh or GitHub token (issue 13, item 5)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from oauth2_provider.models import get_access_token_model, get_refresh_token_model
from social_django.models import UserSocialAuth

from tests.auth.oauth_client import OAuthClient, mcp_post
from tests.support.people import person_with_token

pytestmark = pytest.mark.django_db(transaction=True)


def _database_bytes() -> bytes:
    name = Path(settings.DATABASES["default"]["NAME"])
    return b"".join(path.read_bytes() for path in (name, name.with_name(f"{name.name}-wal")) if path.exists())


def test_tokens_are_stored_as_checksums_only(client: OAuthClient) -> None:
    first = client.tokens()
    refreshed = client.refresh(first["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    tokens = refreshed.json()
    assert mcp_post(client.hub, tokens["access_token"]).status_code == 200

    for model in (get_access_token_model(), get_refresh_token_model()):
        assert set(model.objects.values_list("token", flat=True)) == {""}
    assert (
        get_access_token_model()
        .objects.filter(token_checksum=hashlib.sha256(tokens["access_token"].encode()).hexdigest())
        .exists()
    )
    github_tokens = list(client.github.tokens)
    assert github_tokens
    for social in UserSocialAuth.objects.all():
        assert "access_token" not in social.extra_data
    if connection.vendor == "sqlite":
        stored = _database_bytes()
        for secret in [first["access_token"], first["refresh_token"], *tokens.values(), *github_tokens]:
            if isinstance(secret, str) and len(secret) > 20:
                assert secret.encode() not in stored


def test_the_migration_redacts_tokens_stored_before(hub) -> None:
    migration = __import__("tmuxhub.accounts.migrations.0003_hash_stored_tokens", fromlist=["redact"])
    # As DOT wrote rows before hashed storage: each token in clear beside its checksum.
    _, access = person_with_token("octocat", resource=hub.mcp_url)
    UserSocialAuth.objects.create(
        user=access.user,
        provider="github",
        uid="583231",
        extra_data={"id": 583231, "access_token": "gho_old"},
    )

    migration.redact(apps, None)

    assert get_access_token_model().objects.get().token == ""
    assert get_refresh_token_model().objects.get().token == ""
    assert UserSocialAuth.objects.get().extra_data == {"id": 583231}
    # The checksum was kept, so the token still works.
    assert mcp_post(hub, "access-octocat").status_code == 200
