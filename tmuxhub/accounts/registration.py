"""RFC 7591 client metadata as tmuxhub accepts it: public clients, exact and safe redirect URIs.

DOT's registration view does the registering; this module decides what reaches it. Requested values
the server does not support are replaced where RFC 7591 §3.2.1 allows it (the response then states
the values in force), and refused with an RFC 7591 error where it does not.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

MAX_REDIRECT_URIS = 10
MAX_REDIRECT_URI_LENGTH = 2000
MAX_CLIENT_NAME_LENGTH = 200
LOOPBACK_HOSTNAMES = {"localhost"}
SUPPORTED_GRANT_TYPES = {"authorization_code", "refresh_token"}
# A client asking for a secret gets a public registration instead: every client here uses PKCE.
ACCEPTED_AUTH_METHODS = {"none", "client_secret_post", "client_secret_basic"}


@dataclass(frozen=True)
class RegistrationError(Exception):
    error: str
    description: str
    status: int = 400

    def as_json(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTNAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: object) -> str:
    if not isinstance(uri, str) or not uri:
        raise RegistrationError("invalid_redirect_uri", "Each redirect URI must be a non-empty string.")
    # URIs are printable ASCII (RFC 3986); anything else is a trick or a mistake.
    if not uri.isascii() or not uri.isprintable() or " " in uri:
        raise RegistrationError("invalid_redirect_uri", f"{uri!r} has characters a URL cannot contain.")
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise RegistrationError(
            "invalid_redirect_uri", f"A redirect URI may be at most {MAX_REDIRECT_URI_LENGTH} characters."
        )
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
    except ValueError:
        raise RegistrationError("invalid_redirect_uri", f"{uri!r} is not a URL.") from None
    if parts.fragment or "#" in uri:
        raise RegistrationError("invalid_redirect_uri", f"{uri!r} has a fragment; redirect URIs may not.")
    if parts.username or parts.password:
        raise RegistrationError("invalid_redirect_uri", f"{uri!r} carries credentials; remove them.")
    if parts.scheme == "https" and host:
        return uri
    if parts.scheme == "http" and _is_loopback(host):
        return uri
    raise RegistrationError(
        "invalid_redirect_uri",
        f"{uri!r} is not allowed: use https, or http on a loopback address (127.0.0.1, [::1], localhost).",
    )


def _string_list(data: dict[str, Any], field: str, default: list[str]) -> list[str]:
    value = data.get(field, default)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value) or len(value) > 10:
        raise RegistrationError("invalid_client_metadata", f"{field} must be an array of at most 10 strings.")
    return value


def clean_client_metadata(body: bytes) -> dict[str, Any]:
    """Validate a registration request body; returns the metadata to register, or raises."""
    limit = settings.TMUXHUB_DCR_MAX_BODY_BYTES
    if len(body) > limit:
        raise RegistrationError(
            "invalid_client_metadata", f"The registration request is larger than {limit} bytes.", status=413
        )
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise RegistrationError("invalid_client_metadata", "The request body must be JSON.") from None
    if not isinstance(data, dict):
        raise RegistrationError("invalid_client_metadata", "The request body must be a JSON object.")

    redirect_uris = data.get("redirect_uris")
    if not isinstance(redirect_uris, list) or not redirect_uris:
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a non-empty array.")
    if len(redirect_uris) > MAX_REDIRECT_URIS:
        raise RegistrationError("invalid_redirect_uri", f"At most {MAX_REDIRECT_URIS} redirect URIs.")
    uris = [check_redirect_uri(uri) for uri in redirect_uris]

    name = data.get("client_name", "")
    # The name is shown on the consent page: printable text only, on one line.
    if not isinstance(name, str) or len(name) > MAX_CLIENT_NAME_LENGTH or not name.isprintable():
        raise RegistrationError(
            "invalid_client_metadata",
            f"client_name must be printable text of at most {MAX_CLIENT_NAME_LENGTH} characters.",
        )
    grant_types = _string_list(data, "grant_types", ["authorization_code"])
    if "authorization_code" not in grant_types or not set(grant_types) <= SUPPORTED_GRANT_TYPES:
        raise RegistrationError(
            "invalid_client_metadata",
            "grant_types must be authorization_code, optionally with refresh_token.",
        )
    if not set(_string_list(data, "response_types", ["code"])) <= {"code"}:
        raise RegistrationError("invalid_client_metadata", 'response_types may only be ["code"].')
    method = data.get("token_endpoint_auth_method", "none")
    if method not in ACCEPTED_AUTH_METHODS:
        raise RegistrationError(
            "invalid_client_metadata",
            'token_endpoint_auth_method must be "none": clients here are public, with PKCE.',
        )
    return {
        "redirect_uris": uris,
        "client_name": " ".join(name.split()),
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    }
