"""A pane's colours as HTML: SGR attributes become spans, everything the pane printed stays text."""

from __future__ import annotations

from tmuxhub.lib.ansi import plain, to_html


def test_it_turns_colours_and_bold_into_classes() -> None:
    assert to_html(["\x1b[1;31mfailed\x1b[0m ok"]) == '<span class="a-b a-f1">failed</span> ok'
    assert to_html(["\x1b[94mbright\x1b[39m"]) == '<span class="a-f12">bright</span>'


def test_it_writes_256_and_true_colours_as_hex() -> None:
    assert to_html(["\x1b[38;5;208mx"]) == '<span style="color:#ff8700">x</span>'
    assert to_html(["\x1b[48;2;30;60;200mx"]) == '<span style="background-color:#1e3cc8">x</span>'
    assert to_html(["\x1b[38:2::1:2:3mx"]) == '<span style="color:#010203">x</span>'


def test_reverse_video_swaps_the_default_colours() -> None:
    assert to_html(["\x1b[7m top \x1b[27m"]) == '<span class="a-fbg a-bfg"> top </span>'


def test_markup_in_the_pane_is_escaped() -> None:
    html = to_html(['<script>alert(1)</script> \x1b[31m"><img src=x onerror=alert(1)>'])

    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<span class="a-f1">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>' in html


def test_other_escape_sequences_and_controls_are_dropped() -> None:
    line = "a\x1b]0;title\x07b\x1b]8;;https://x.test\x1b\\c\x1b[2Jd\x1b[?1049he\x00f\x07g\tend"

    assert to_html([line]) == "abcdefg\tend"
    assert plain([line, "\x1b[31mred\x1b[0m"]) == ["abcdefg\tend", "red"]


def test_a_style_carries_over_to_the_next_line() -> None:
    assert to_html(["\x1b[32mone", "two\x1b[0m three"]) == (
        '<span class="a-f2">one</span>\n<span class="a-f2">two</span> three'
    )


def test_a_colour_built_from_huge_numbers_stays_a_colour() -> None:
    assert to_html(["\x1b[38;2;999;0;0mx\x1b[38;5;9999my"]) == '<span style="color:#ff0000">x</span>y'
