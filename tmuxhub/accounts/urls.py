"""The authorization server's URLs: discovery documents, OAuth endpoints at the root, GitHub login.

The OAuth endpoints live in DOT's `oauth2_provider` namespace, so DOT's metadata views advertise
exactly these paths (`/authorize`, `/token`, `/register`, `/revoke`).
"""

from __future__ import annotations

from django.urls import URLPattern, include, path
from oauth2_provider import views as dot_views

from . import paths, views


def _discovery(public_path: str) -> URLPattern:
    """A discovery document; the root forms are named so DOT can reverse them."""
    if public_path.startswith(paths.PROTECTED_RESOURCE_METADATA):
        view, name = dot_views.OAuthProtectedResourceMetadataView, "oauth-resource-metadata"
    else:
        # The OpenID path answers the same RFC 8414 document: MCP clients try both.
        view, name = dot_views.OAuthServerMetadataView, "oauth-server-metadata"
    canonical = public_path in (paths.AUTHORIZATION_SERVER_METADATA, paths.PROTECTED_RESOURCE_METADATA)
    return path(public_path.lstrip("/"), view.as_view(), name=name if canonical else None)


token = views.cross_origin(views.HubTokenView.as_view())
revoke = views.cross_origin(dot_views.RevokeTokenView.as_view())
register = views.cross_origin(views.RegisterView.as_view())
authorize = views.HubAuthorizationView.as_view()

oauth_urlpatterns = [
    path(paths.AUTHORIZE.lstrip("/"), authorize, name="authorize"),
    path(paths.TOKEN.lstrip("/"), token, name="token"),
    path(paths.REVOKE.lstrip("/"), revoke, name="revoke-token"),
    path(paths.REGISTER.lstrip("/"), register, name="dcr-register"),
    path(
        f"{paths.REGISTER.lstrip('/')}/<str:client_id>",
        views.RegistrationManagementView.as_view(),
        name="dcr-register-management",
    ),
    # Clients differ on the trailing slash; answer both spellings rather than redirect a POST.
    path(f"{paths.AUTHORIZE.lstrip('/')}/", authorize),
    path(f"{paths.TOKEN.lstrip('/')}/", token),
    path(f"{paths.REVOKE.lstrip('/')}/", revoke),
    path(f"{paths.REGISTER.lstrip('/')}/", register),
    *(_discovery(public_path) for public_path in sorted(paths.PUBLIC_AUTH_PATHS)),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("", include((oauth_urlpatterns, "oauth2_provider"))),
    path(paths.LOGIN.lstrip("/"), views.login_page, name="login"),
    # Before social-auth's own route of the same path: refusals become pages, not errors.
    path("complete/<str:backend>/", views.complete, name="github-complete"),
    path("", include("social_django.urls", namespace="social")),
]
