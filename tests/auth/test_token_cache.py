"""Verified tokens are cached in Redis (no database query per /mcp request), and every way of revoking
one still takes effect on the very next request."""

import hashlib
import time

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from oauth2_provider.models import get_access_token_model

from tests.auth.oauth_client import mcp_post
from tests.support.hub import mcp_session
from tmuxhub.accounts.models import AllowedGitHubUser

pytestmark = pytest.mark.django_db(transaction=True)


def cached(token: str) -> bytes | None:
    checksum = hashlib.sha256(token.encode()).hexdigest()
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    entry = client.get(f"{settings.TMUXHUB_INSTANCE}:mcp-token:{checksum}")
    assert entry is None or isinstance(entry, bytes)
    return entry


@pytest.fixture
def used_token(hub, make_user, make_token) -> str:
    """A token the hub has verified once, so its entry is in the cache."""
    token = make_token(make_user("cached"))
    assert mcp_post(hub, token).status_code == 200
    entry = cached(token)
    assert entry and b"cached" in entry and token.encode() not in entry
    assert mcp_post(hub, token).status_code == 200  # answered from the cache
    return token


def test_revoking_a_cached_token_takes_effect_at_once(hub, used_token) -> None:
    checksum = hashlib.sha256(used_token.encode()).hexdigest()
    get_access_token_model().objects.filter(token_checksum=checksum).delete()

    assert mcp_post(hub, used_token).status_code == 401


def test_removing_the_person_from_the_allow_list_takes_effect_at_once(hub, used_token) -> None:
    AllowedGitHubUser.objects.filter(github_login="cached").delete()

    assert mcp_post(hub, used_token).status_code == 401


def test_deactivating_the_person_takes_effect_at_once(hub, used_token) -> None:
    user = get_user_model().objects.get(username="cached")
    user.is_active = False
    user.save()

    assert mcp_post(hub, used_token).status_code == 401


@pytest.mark.anyio
async def test_lowering_the_tier_takes_effect_at_once(hub, used_token) -> None:
    from asgiref.sync import sync_to_async

    def lower() -> None:
        entry = AllowedGitHubUser.objects.get(github_login="cached")
        entry.tier = "readonly"
        entry.save()

    await sync_to_async(lower)()
    async with mcp_session(hub, used_token) as session:
        tools = {tool.name for tool in (await session.list_tools()).tools}

    assert "tmux_list_sessions" in tools and "tmux_send_prompt" not in tools


def test_a_cached_token_is_refused_once_it_expires(hub, make_user, make_token) -> None:
    token = make_token(make_user("brief"), expires_in=2)
    assert mcp_post(hub, token).status_code == 200

    time.sleep(2.2)

    assert mcp_post(hub, token).status_code == 401
