"""Claude registers a client per connection: the ones never used are deleted after a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import AbstractApplication, get_access_token_model, get_application_model

from tmuxhub.accounts import tasks

pytestmark = pytest.mark.django_db


def _client(name: str, age_hours: int) -> AbstractApplication:
    application_model = get_application_model()
    application = application_model.objects.create(
        name=name,
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="https://claude.ai/api/mcp/auth_callback",
        registration_source=application_model.RegistrationSource.DCR,
    )
    application_model.objects.filter(pk=application.pk).update(
        created=timezone.now() - timedelta(hours=age_hours)
    )
    # Every DCR client has its registration token; it belongs to no person.
    get_access_token_model().objects.create(
        application=application, user=None, token=f"reg-{name}", expires=timezone.now() + timedelta(days=365)
    )
    return application


def _names() -> list[str]:
    return sorted(get_application_model().objects.values_list("name", flat=True))


def test_it_deletes_old_clients_that_never_got_a_token() -> None:
    _client("abandoned", age_hours=48)
    _client("just registered", age_hours=1)
    used = _client("in use", age_hours=48)
    get_access_token_model().objects.create(
        application=used,
        user=get_user_model().objects.create_user("octocat"),
        token="live",
        expires=timezone.now() + timedelta(hours=1),
    )

    assert tasks.expire_unused_clients() == 1

    assert _names() == ["in use", "just registered"]
    assert not get_access_token_model().objects.filter(token="reg-abandoned").exists()


def test_celery_beat_runs_it_every_hour() -> None:
    from tmuxhub.celery import app

    entry = app.conf.beat_schedule["accounts-expire-unused-clients"]
    assert entry == {"task": "tmuxhub.accounts.tasks.expire_unused_clients", "schedule": 3600}
    assert entry["task"] in app.tasks


def test_the_management_command_takes_an_age(capsys: pytest.CaptureFixture[str]) -> None:
    _client("an hour old", age_hours=2)
    call_command("expire_unused_clients", "--hours", "1")
    assert "Deleted 1 unused clients." in capsys.readouterr().out
    assert _names() == []
