"""The rules for reading a screen, on plain lists of lines (no tmux needed)."""

import time

import pytest

from bridge.exceptions import BridgeError
from bridge.redaction import looks_secret
from bridge.screen import LineMatcher, cap_bytes, fingerprints, new_lines, row_showing, tail_of


def test_new_lines_are_what_scrolled_in():
    before = [f"line{i}" for i in range(100)] + ["$ "]
    after = [f"line{i}" for i in range(20, 100)] + ["$ make", "ok", "$ "]

    fresh, missed = new_lines(fingerprints(before), after)

    assert fresh == ["$ make", "ok"] and not missed  # the new prompt looks like the old one


def test_new_lines_say_when_nothing_of_the_last_read_is_left():
    fresh, missed = new_lines(fingerprints(["a", "b"]), ["c", "d"])

    assert fresh == ["c", "d"] and missed


@pytest.mark.timing
def test_new_lines_stay_fast_on_a_pane_of_identical_lines():
    started = time.monotonic()
    fresh, _ = new_lines(fingerprints(["x"] * 2000), ["x"] * 1990 + ["new"] * 10)

    assert fresh == ["new"] * 10
    assert time.monotonic() - started < 0.2


def test_the_input_row_is_the_cursor_row_or_the_lowest_showing_the_text():
    rows = ["history: fix the bug", "", "> fix the bug", ""]

    assert row_showing(rows, tail_of("fix the bug"), cursor=2) == 2
    assert row_showing(rows, tail_of("fix the bug"), cursor=3) == 2
    assert row_showing(["> a very long prom", "pt that wrapped"], tail_of("long prompt that wrapped"), 1) == 1


def test_cap_bytes_keeps_the_newest_lines():
    assert cap_bytes(["old" * 10, "new"], max_bytes=10) == (["new"], True)


@pytest.mark.timing
def test_a_catastrophic_regex_is_stopped():
    matcher = LineMatcher(r"(a|aa)+$", is_regex=True, ignore_case=False)
    matcher.BUDGET = 0.2

    started = time.monotonic()
    with pytest.raises(BridgeError, match="too slow"):
        matcher.matching(["a" * 60 + "b"])
    assert time.monotonic() - started < 3


def test_literal_patterns_are_not_regexes():
    assert LineMatcher("a.c", is_regex=False, ignore_case=True).matching(["abc", "A.C"]) == [1]


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("GITHUB_TOKEN", "x", True),
        ("AWS_SECRET_ACCESS_KEY", "x", True),
        ("NOTES", "ghp_" + "a" * 36, True),
        ("DATABASE", "postgres://u:pw@db/x", True),
        ("EDITOR", "vim", False),
        ("PATH", "/usr/bin:/bin", False),
        ("REDIS_URL", "redis://:pw@127.0.0.1:6379/0", True),
        ("MYSQL_PWD", "x", True),
        ("PWD", "/home/me", False),
        ("OLDPWD", "/tmp", False),
        ("ALERT_WEBHOOK", "https://example.com/x", True),
        ("HOOK", "https://hooks.slack.com/services/T/B/x", True),
        ("CALLBACK", "https://example.com/?Access_Token=x", True),
        ("PROXY", "http://proxy:8080/a@b", False),
        ("BILLING", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", True),
        ("GL", "glpat-" + "xxxxxxxxxxxxxxxxxxxx", True),
        ("MAPS", "AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", True),
        ("HF_HOME_MODEL", "hf_" + "jJmXbQzWpLkRtYvNcAsDfGhUiOeTyQwErT", True),
        ("NPMRC_LINE", "npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", True),
        ("CURL_HEADER", "Authorization: Bearer abc.def-ghi_jkl", True),
        ("DB_CMD", "mysql -u root -phunter2 shop", True),
        ("DB_CMD2", "mariadb --password=hunter2 shop", True),
        ("SHIPPING", "xoxb-" + "1234-5678-abcdefghijkl", True),
        ("MAKEFLAGS", "-j4 -p", False),
        ("SSH_CONNECTION", "203.0.113.9 50000 198.51.100.7 22", False),
        ("MANPATH", "/usr/share/man:/usr/local/man", False),
    ],
)
def test_secret_looking_values_are_recognised(name, value, secret):
    assert looks_secret(name, value) is secret
