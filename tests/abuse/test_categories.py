"""AbuseIPDB categories chosen from the evidence, with AbuseIPDB's real ids."""

from __future__ import annotations

from abuse.categories import (
    BAD_WEB_BOT,
    BRUTE_FORCE,
    HACKING,
    PORT_SCAN,
    WEB_APP_ATTACK,
    Reason,
    categories_for,
    is_exploit_path,
)


def test_the_ids_are_abuseipdbs() -> None:
    assert (PORT_SCAN, HACKING, BRUTE_FORCE, BAD_WEB_BOT, WEB_APP_ATTACK) == (14, 15, 18, 19, 21)


def test_exploit_paths_are_web_app_attacks_and_hacking() -> None:
    assert categories_for({Reason.BANNED: 40}, ["/wp-login.php"]) == [21, 15, 19]
    assert categories_for({Reason.EXPLOIT: 1}) == [21, 15]


def test_auth_failures_are_brute_force() -> None:
    assert categories_for({Reason.AUTH_FAILURE: 1, Reason.BANNED: 3}) == [18, 19]


def test_404_scanning_is_a_bad_web_bot_and_a_scan() -> None:
    assert categories_for({Reason.NOT_FOUND: 1}) == [19, 14]


def test_a_plain_flood_is_a_bad_web_bot() -> None:
    assert categories_for({Reason.THROTTLED: 500}) == [19]


def test_hub_paths_are_not_exploit_paths() -> None:
    for path in ("/mcp", "/admin/abuse/offender/", "/.well-known/oauth-authorization-server", "/o/token/"):
        assert not is_exploit_path(path)
    for path in ("/.env", "/.git/config", "/cgi-bin/luci", "/x/../../etc/passwd", "/index.php"):
        assert is_exploit_path(path)


def test_each_rule_is_one_declaration_with_abuseipdb_ids_and_a_real_threshold_setting(settings) -> None:
    from abuse.categories import CATEGORY_NAMES

    for reason in Reason:
        assert reason.label and reason.categories and set(reason.categories) <= set(CATEGORY_NAMES)
        if reason.threshold_setting:
            assert reason.threshold == getattr(settings, reason.threshold_setting)
    settings.ABUSE_MAX_404 = 7
    assert Reason.NOT_FOUND.threshold == 7 and Reason.THROTTLED.threshold is None
    # Declaration order is priority: the most specific evidence's categories come first.
    assert categories_for(dict.fromkeys(Reason, 1)) == [21, 15, 18, 19, 14]


def test_a_reason_whose_rule_is_gone_still_reads() -> None:
    assert Reason.label_of("banned") == "refused while banned"
    assert Reason.label_of("retired_rule") == "retired_rule"
    assert categories_for({"retired_rule": 3}) == [19]
