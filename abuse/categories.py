"""The abuse rules: why a request was refused, and which AbuseIPDB categories that evidence supports.

Each rule is one member of `Reason`: its stored name, its label, its AbuseIPDB category ids, the
setting holding its ban threshold and the signal that strikes it (both empty for refusals that are not
strikes); members are declared most specific first, which is the order of a report's categories and
the order in which `abuse.policy` looks for a strike. The policy reads its thresholds and signals from
here, so a new scanning rule is one member (plus, for a new kind of signal, one `Signal` that the
policy looks for). Counts per reason are rows (`abuse.models.ReasonCount`): no migration either.
The ids are AbuseIPDB's own (https://www.abuseipdb.com/categories); this is the only place they live.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import Enum, StrEnum

from django.conf import settings

PORT_SCAN = 14
HACKING = 15
BRUTE_FORCE = 18
BAD_WEB_BOT = 19
WEB_APP_ATTACK = 21


class Signal(Enum):
    """What in a request (or its answer) counts as one scanning strike."""

    NONE = "none"  # a refusal, not a strike
    EXPLOIT_PATH = "exploit path"  # the path matches EXPLOIT_PATH
    BAD_BEARER = "bad bearer"  # a bearer token that is not valid
    NOT_FOUND_ANSWER = "404 answer"  # the hub answered 404 (seen only after the answer)


class Reason(StrEnum):
    _value_: str
    label: str
    categories: tuple[int, ...]
    threshold_setting: str
    signal: Signal

    EXPLOIT = (
        "exploit",
        "probed an exploit path",
        (WEB_APP_ATTACK, HACKING),
        "ABUSE_MAX_EXPLOIT",
        Signal.EXPLOIT_PATH,
    )
    AUTH_FAILURE = (
        "auth_failure",
        "too many failed authentications",
        (BRUTE_FORCE,),
        "ABUSE_MAX_AUTH_FAILURES",
        Signal.BAD_BEARER,
    )
    NOT_FOUND = (
        "not_found",
        "too many 404s (scanning)",
        (BAD_WEB_BOT, PORT_SCAN),
        "ABUSE_MAX_404",
        Signal.NOT_FOUND_ANSWER,
    )
    THROTTLED = "throttled", "over the rate limit", (BAD_WEB_BOT,), "", Signal.NONE
    BANNED = "banned", "refused while banned", (BAD_WEB_BOT,), "", Signal.NONE

    def __new__(
        cls, value: str, label: str, categories: tuple[int, ...], threshold_setting: str, signal: Signal
    ) -> Reason:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.categories = categories
        member.threshold_setting = threshold_setting
        member.signal = signal
        return member

    @classmethod
    def strikes(cls) -> list[Reason]:
        """The scanning rules (those with a ban threshold), most specific first."""
        return [rule for rule in cls if rule.threshold_setting]

    @property
    def threshold(self) -> int | None:
        """Strikes within ABUSE_STRIKE_WINDOW that ban the IP, from this rule's setting."""
        return int(getattr(settings, self.threshold_setting)) if self.threshold_setting else None

    @classmethod
    def of(cls, value: str) -> Reason | None:
        """The rule of a stored reason; None for a rule that no longer exists."""
        member = cls._value2member_map_.get(value)
        return member if isinstance(member, Reason) else None

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored reason, or the stored name itself for a rule that no longer exists."""
        rule = cls.of(value)
        return rule.label if rule else value


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
    for reason in Reason:
        if reason in reasons:
            ids.extend(i for i in reason.categories if i not in ids)
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
