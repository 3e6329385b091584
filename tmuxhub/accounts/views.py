"""The pages and endpoints of the authorization server that are more than DOT's defaults."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView, TokenView
from oauth2_provider.views.dynamic_client_registration import (
    DynamicClientRegistrationManagementView,
    DynamicClientRegistrationView,
)
from social_core.exceptions import AuthException, AuthPolicyError
from social_django import views as social_views

from . import paths, ratelimit, setup
from .models import AllowedGitHubUser
from .registration import SUPPORTED_GRANT_TYPES, RegistrationError, clean_client_metadata

DCR_BUCKET = "dcr"
DCR_WINDOW_SECONDS = 3600


def is_allow_listed(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and AllowedGitHubUser.objects.filter(user_id=user.pk).exists())


def _refusal(request: HttpRequest, title: str, reason: str, status: int) -> HttpResponse:
    return render(request, "accounts/refused.html", {"title": title, "reason": reason}, status=status)


def _not_allow_listed(request: HttpRequest, who: str) -> HttpResponse:
    return _refusal(
        request,
        "Not on the allow-list",
        f"{who} may not use this tmuxhub. Ask its owner to add your GitHub username to the "
        "allow-list, then connect again.",
        status=403,
    )


def cross_origin(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let browser-based MCP clients (MCP Inspector) call an endpoint that takes no cookies."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = "86400"
        else:
            response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return csrf_exempt(wrapped)


def _registration_error(error: RegistrationError) -> JsonResponse:
    return JsonResponse(error.as_json(), status=error.status)


def _use_cleaned_metadata(request: HttpRequest) -> JsonResponse | None:
    """Replace the request body with the validated metadata DOT registers, or answer the error."""
    try:
        cleaned = clean_client_metadata(request.body)
    except RegistrationError as error:
        return _registration_error(error)
    # DOT's view reads request.body; HttpRequest caches the body in `_body`, so this is what it reads.
    request._body = json.dumps(cleaned).encode()
    return None


class HubTokenView(TokenView):
    """`/token`: only the grants tmuxhub issues reach DOT, before any credential is looked at.

    DOT refuses the password grant only after checking the password (`invalid_grant` for a wrong
    one, `unauthorized_client` for a right one), which made `/token` a password oracle.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        grant_type = request.POST.get("grant_type", "")
        if grant_type not in SUPPORTED_GRANT_TYPES:
            return JsonResponse(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "This server issues tokens for authorization_code and "
                    "refresh_token grants only.",
                },
                status=400,
                headers={"Cache-Control": "no-store"},
            )
        return super().post(request, *args, **kwargs)


class RegisterView(DynamicClientRegistrationView):
    """RFC 7591 `/register`: open to anyone, limited per IP, public clients with safe redirect URIs."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        declared = request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > settings.TMUXHUB_DCR_MAX_BODY_BYTES:
            return _registration_error(
                RegistrationError(
                    "invalid_client_metadata",
                    f"The registration request is larger than {settings.TMUXHUB_DCR_MAX_BODY_BYTES} bytes.",
                    status=413,
                )
            )
        retry_after = ratelimit.hit(
            DCR_BUCKET,
            ratelimit.client_ip(request),
            settings.TMUXHUB_DCR_PER_IP_PER_HOUR,
            DCR_WINDOW_SECONDS,
        )
        if retry_after:
            response = JsonResponse(
                {
                    "error": "too_many_requests",
                    "error_description": f"Too many registrations from here; retry in {retry_after} s.",
                },
                status=429,
            )
            response["Retry-After"] = str(retry_after)
            return response
        refused = _use_cleaned_metadata(request)
        if refused is not None:
            return refused
        return super().post(request, *args, **kwargs)


class RegistrationManagementView(DynamicClientRegistrationManagementView):
    """RFC 7592 management; an update must pass the same checks as a registration."""

    def put(self, request: HttpRequest, client_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = _use_cleaned_metadata(request)
        if refused is not None:
            return refused
        return super().put(request, client_id, *args, **kwargs)


def _canonical_resource(value: str) -> str | None:
    """This server protects one resource, `/mcp`; the trailing-slash spelling means the same."""
    if value.rstrip("/") == settings.MCP_RESOURCE_URL:
        return str(settings.MCP_RESOURCE_URL)
    return None


TIERS = ("readonly", "mutating", "destructive")
# What a client can do at each tier, in the words the consent page uses (README, "MCP tools").
TIER_CAN = {
    "readonly": "read every tmux pane of this tmuxhub (screens, scrollback, environment with secrets "
    "redacted) and wait for output. It cannot type.",
    "mutating": "read every tmux pane and type into them: send prompts and keys, run commands in "
    "shells (so any command as the account running tmuxhub), create and rename sessions and windows. "
    "It cannot kill them.",
    "destructive": "read every tmux pane, type into them (so run any command as the account running "
    "tmuxhub), and kill sessions, windows and panes.",
}


def effective_tier(user: AbstractBaseUser | AnonymousUser) -> str:
    """The lower of the server's tier and the person's allow-list tier (blank: the server's)."""
    server = str(settings.TMUXHUB_SAFETY_TIER)
    entry = AllowedGitHubUser.objects.filter(user_id=user.pk).first() if user.is_authenticated else None
    personal = entry.tier if entry is not None and entry.tier else server
    return min(server, personal, key=TIERS.index)


def describe_client(application: Any) -> dict[str, Any]:
    """What the person must know about a client: its own claims are not to be trusted."""
    return {
        "name": application.name or "an unnamed client",
        "self_registered": application.registration_source != application.RegistrationSource.MANUAL,
        "registered": application.created,
    }


def _asking_client(next_url: str) -> dict[str, Any] | None:
    """The client an `/authorize` URL (the login's `next`) names, if it is registered."""
    parts = urlsplit(next_url)
    if parts.path.rstrip("/") != paths.AUTHORIZE:
        return None
    client_id = parse_qs(parts.query).get("client_id", [""])[0]
    application = get_application_model().objects.filter(client_id=client_id).first() if client_id else None
    return describe_client(application) if application is not None else None


class HubAuthorizationView(AuthorizationView):
    """`/authorize`: DOT's view plus the allow-list, the one resource, and a consent page naming the client"""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not is_allow_listed(request.user):
            return _not_allow_listed(request, f"The account {request.user.get_username()!r}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        requested = request.GET.getlist("resource")
        # RFC 8707 lets the server pick the default audience when the client names none.
        resources = {_canonical_resource(value) for value in requested} or {settings.MCP_RESOURCE_URL}
        if None in resources or len(resources) != 1:
            return _refusal(
                request,
                "Unknown resource",
                f"This server issues tokens only for {settings.MCP_RESOURCE_URL}; "
                f"the client asked for {', '.join(requested)}. Reconnect with the MCP URL above.",
                status=400,
            )
        if not request.GET.get("redirect_uri"):
            # RFC 6749 lets a client with one redirect URI omit it; here the token request must
            # repeat it (oauth_validator), so the authorization request has to name it.
            return _refusal(
                request,
                "No redirect URI",
                "The client did not say where to send you back (redirect_uri). Reconnect from Claude.",
                status=400,
            )
        query = request.GET.copy()
        query.setlist("resource", [settings.MCP_RESOURCE_URL])
        # The consent page shows every time: DOT would skip it for `approval_prompt=auto` once a
        # client holds a token, even for another of its redirect URIs.
        query.pop("approval_prompt", None)
        request.GET = query  # type: ignore[assignment]
        return super().get(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        if form.cleaned_data.get("resource") != settings.MCP_RESOURCE_URL:
            return _refusal(
                request=self.request, title="Unknown resource", reason="The form was altered.", status=400
            )
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        redirect_uri = str(context.get("redirect_uri") or "")
        context["redirect_host"] = urlsplit(redirect_uri).netloc
        context["resource_url"] = settings.MCP_RESOURCE_URL
        application = context.get("application")
        if application is not None:
            context["client"] = describe_client(application)
        tier = effective_tier(self.request.user)
        context["tier"] = tier
        context["tier_can"] = TIER_CAN[tier]
        return context


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(settings.LOGIN_REDIRECT_URL)


@never_cache
def login_page(request: HttpRequest) -> HttpResponse:
    """`LOGIN_URL`: social-auth's begin view is POST-only, so this page holds the CSRF-protected form."""
    next_url = _safe_next(request)
    if is_allow_listed(request.user):
        return HttpResponseRedirect(next_url)
    return render(request, "accounts/login.html", {"next": next_url, "client": _asking_client(next_url)})


@never_cache
@csrf_exempt  # GitHub's redirect back; social-auth checks the OAuth state instead.
def complete(request: HttpRequest, backend: str) -> HttpResponse:
    """social-auth's callback, with refusals shown as pages instead of server errors."""
    try:
        return social_views.complete(request, backend)
    except AuthPolicyError:
        return _not_allow_listed(request, "This GitHub account")
    except AuthException as error:
        return _refusal(
            request,
            "GitHub login did not complete",
            f"{error} Start again from Claude (or reload the connector).",
            status=400,
        )


def home(request: HttpRequest) -> HttpResponse:
    """The URL to paste into Claude; and, to staff or while the hub has no owner yet (a first run),
    what it still lacks."""
    owner = setup.has_owner()
    staff = bool(request.user.is_active and request.user.is_staff)
    context = {
        "mcp_url": settings.MCP_RESOURCE_URL,
        "has_owner": owner,
        "gaps": setup.gaps() if staff or not owner else [],
    }
    return render(request, "accounts/home.html", context)
