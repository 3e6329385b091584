"""GitHub login whose endpoints come from settings (GitHub Enterprise, or a fake GitHub in tests)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpResponse
from social_core.backends.github import GithubOAuth2


class GitHubOAuth2(GithubOAuth2[HttpResponse]):
    """social-core's GitHub backend; only the API URL is fixed there, so it is read from settings.

    The authorize and access-token URLs are read by social-core from
    `SOCIAL_AUTH_GITHUB_AUTHORIZATION_URL` / `SOCIAL_AUTH_GITHUB_ACCESS_TOKEN_URL`.
    """

    def api_url(self) -> str:
        return str(settings.GITHUB_API_URL)

    def extra_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """What social-auth keeps of the login, less GitHub's access token: tmuxhub never calls
        GitHub for a person after login, so a copy of the database holds no GitHub token."""
        data = dict(super().extra_data(*args, **kwargs))
        data.pop("access_token", None)
        data.pop("token_type", None)
        return data
