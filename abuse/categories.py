"""Why a request was refused, and which AbuseIPDB categories that evidence supports.

The ids are AbuseIPDB's own (https://www.abuseipdb.com/categories); this is the only place they live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from django.db import models

PORT_SCAN = 14
HACKING = 15
BRUTE_FORCE = 18
BAD_WEB_BOT = 19
WEB_APP_ATTACK = 21


class Reason(models.TextChoices):
    THROTTLED = "throttled", "over the rate limit"
    BANNED = "banned", "refused while banned"
    EXPLOIT = "exploit", "probed an exploit path"
    NOT_FOUND = "not_found", "too many 404s (scanning)"
    AUTH_FAILURE = "auth_failure", "too many failed authentications"


CATEGORIES_BY_REASON: dict[str, tuple[int, ...]] = {
    Reason.EXPLOIT: (WEB_APP_ATTACK, HACKING),
    Reason.NOT_FOUND: (BAD_WEB_BOT, PORT_SCAN),
    Reason.AUTH_FAILURE: (BRUTE_FORCE,),
    Reason.THROTTLED: (BAD_WEB_BOT,),
    Reason.BANNED: (BAD_WEB_BOT,),
}

# Paths no client of tmuxhub ever asks for: CMS logins, leaked dotfiles, known RCE endpoints.
EXPLOIT_PATH = re.compile(
    r"""(
        \.\./ | %2e%2e | /\.env | /\.git/ | /\.aws/ | /\.ssh/ | /\.htaccess | /\.ds_store
      | /wp-(login|admin|content|includes) | /xmlrpc\.php | /phpmyadmin | /pma/ | /adminer
      | /cgi-bin/ | /vendor/phpunit | /boaform | /actuator | /solr/ | /console/ | /hnap1
      | /shell | /setup\.cgi | /etc/passwd | /config\.json | /server-status | \.php(\?|$)
      | /owa/ | /autodiscover | /remote/fgt_lang | /geoserver
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def is_exploit_path(path: str) -> bool:
    return EXPLOIT_PATH.search(path) is not None


def categories_for(reason_counts: Mapping[str, int], sample_paths: Iterable[str] = ()) -> list[int]:
    """AbuseIPDB category ids the evidence supports, most specific first."""
    reasons = {reason for reason, count in reason_counts.items() if count > 0}
    if any(is_exploit_path(path) for path in sample_paths):
        reasons.add(Reason.EXPLOIT)
    ids: list[int] = []
    for reason in (Reason.EXPLOIT, Reason.AUTH_FAILURE, Reason.NOT_FOUND, Reason.THROTTLED, Reason.BANNED):
        if reason in reasons:
            ids.extend(i for i in CATEGORIES_BY_REASON[reason] if i not in ids)
    return ids or [BAD_WEB_BOT]


# AbuseIPDB's names for the ids above, as the abuse review shows them.
CATEGORY_NAMES = {
    PORT_SCAN: "Port scan",
    HACKING: "Hacking",
    BRUTE_FORCE: "Brute-force",
    BAD_WEB_BOT: "Bad web bot",
    WEB_APP_ATTACK: "Web app attack",
}


def category_name(category: int) -> str:
    return CATEGORY_NAMES.get(category, f"category {category}")
