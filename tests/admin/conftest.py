"""Fixtures of the admin tests: a hub as the owner runs it, the owner, a logged-in test client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.fakes.github import FakeGitHub
from tests.fixtures.abuse_services import AbuseServices
from tests.support.hub import Hub, start_hub
from tests.support.people import OWNER, force_login


@pytest.fixture(scope="session")
def admin_hub(
    django_db_setup: None, tmux_socket: str, fake_github_server: FakeGitHub, abuse_servers: AbuseServices
) -> Iterator[Hub]:
    """A hub as the owner runs it: GitHub login (the fake) and AbuseIPDB reporting (the fake)."""
    env = {**fake_github_server.env(), **abuse_servers.env}
    with start_hub(tmux_socket=tmux_socket, extra_env=env) as running:
        yield running


@pytest.fixture
def admin_client(client: Client, admin_user: Any) -> Client:
    """pytest-django's `admin_client`, logged in through `tests.support.people.force_login`."""
    return force_login(client, admin_user)


@pytest.fixture
def owner(transactional_db: None) -> Any:
    """The first superuser, who logs in with a password."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser(OWNER[0], password=OWNER[1])
