"""Which environment values must not leave the machine (show_environment shows them as "[redacted]").

A value is secret by its variable's name (containing SECRET, TOKEN, PASS, KEY, DSN, WEBHOOK... or
ending in PWD), or by its shape. Shapes come first from detect-secrets (Yelp), whose detectors are a
maintained list of providers' token formats (GitHub, GitLab, Stripe, AWS, Slack, PyPI, OpenAI,
Twilio, SendGrid, JWTs, private keys...): new formats arrive with its releases instead of by hand
here. Two of its detectors are left out: public IP addresses are not secrets, and its basic-auth
pattern takes a port and a path for a password (`http://proxy:8080/a@b`); the URL pattern below
is exact. `HAND_MADE` has only what detect-secrets 1.5 has no detector for.
"""

from __future__ import annotations

import functools
import re

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.plugins.base import RegexBasedDetector

SECRET_NAME = re.compile(
    r"SECRET|TOKEN|PASS|KEY|CREDENTIAL|AUTH|COOKIE|SESSION|PRIVATE|DSN|WEBHOOK|.PWD$", re.IGNORECASE
)
NOT_SECRET = frozenset({"OLDPWD"})  # the previous working directory, not a MySQL password
LEFT_OUT = frozenset({"IPPublicDetector", "BasicAuthDetector"})
HAND_MADE = re.compile(
    # GitHub fine-grained tokens; Anthropic and OpenAI keys in their current forms (detect-secrets
    # knows only OpenAI's legacy one); Google API keys; Hugging Face and npm access tokens
    r"github_pat_\w{20,}|sk-[A-Za-z0-9_-]{16,}|AIza[0-9A-Za-z_-]{35}|hf_[A-Za-z0-9]{30,}|"
    r"npm_[A-Za-z0-9]{36}|"
    # a bearer token in a header value, a password on a MySQL/MariaDB command line (-pSECRET or
    # --password=SECRET)
    r"(?i:\bbearer\s+[\w.~+/-]{8,}=*)|"
    r"\b(?:mysql\w*|mariadb\w*)\b[^\n]*?\s(?:-p\S|--password=\S)|"
    # a password in a URL (also with no user: redis://:pw@host), a credential in its query string,
    # chat webhooks whatever their shape (their URL is the credential)
    r"://[^/\s:@]*:[^/\s@]+@|(?i:[?&][\w-]*(token|key|secret|password|sig|signature|auth)=[^&\s])|"
    r"hooks\.slack\.com/|discord(app)?\.com/api/webhooks/"
)


@functools.cache
def _detectors() -> tuple[RegexBasedDetector, ...]:
    plugins: dict[str, type] = get_mapping_from_secret_type_to_class()
    return tuple(
        kind()
        for kind in plugins.values()
        if issubclass(kind, RegexBasedDetector) and kind.__name__ not in LEFT_OUT
    )


def looks_secret(name: str, value: str) -> bool:
    """True for a variable whose value should not leave the machine, by its name or its value."""
    if name.upper() in NOT_SECRET:
        return False
    if SECRET_NAME.search(name) or HAND_MADE.search(value):
        return True
    return any(next(iter(detector.analyze_string(value)), None) for detector in _detectors())
