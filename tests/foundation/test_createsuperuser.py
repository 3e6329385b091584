"""`tmuxhub createsuperuser`, the command the admin's login page names on a first run."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from tmuxhub import cli

pytestmark = pytest.mark.django_db(transaction=True)  # the command closes its connection when done


def test_createsuperuser_makes_the_owners_account(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough password 7")

    status = cli.main(["createsuperuser", "--noinput", "--username", "owner", "--email", "owner@example.org"])

    assert status == 0
    owner = get_user_model().objects.get(username="owner")
    assert owner.is_superuser and owner.check_password("a long enough password 7")
