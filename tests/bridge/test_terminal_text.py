"""What a wait matches in a pane's raw output: the lines as the terminal leaves them."""

from __future__ import annotations

from bridge.terminal_text import TextStream, unescape_output


def test_colours_and_crlf_are_not_part_of_a_line() -> None:
    assert TextStream().feed(b"\x1b[1;32mok\x1b[0m 3 passed\r\n") == ["ok 3 passed"]


def test_a_carriage_return_overwrites_and_erase_line_clears() -> None:
    stream = TextStream()
    assert stream.feed(b"50%\r60%\r\x1b[Kdone\r\nabc\rX\r\n") == ["done", "Xbc"]


def test_backspaces_tabs_and_cursor_moves_land_where_a_terminal_puts_them() -> None:
    assert TextStream().feed(b"abc\b\bX\r\n\tx\r\nfoo\x1b[2Cbar\r\n") == ["aXc", "        x", "foo  bar"]


def test_a_sequence_cut_between_two_chunks_is_completed_by_the_next() -> None:
    stream = TextStream()
    assert stream.feed(b"red \x1b[3") == []
    assert stream.feed(b"1mtext\x1b]0;title\x07\r\n") == ["red text"]


def test_the_unfinished_line_is_partial_and_a_utf8_character_may_be_split() -> None:
    stream = TextStream()
    assert stream.feed("Passwort für ".encode()[:-3]) == []
    assert stream.feed("Passwort für ".encode()[-3:] + b"root: ") == []
    assert stream.partial == "Passwort für root:"


def test_moving_to_another_row_ends_the_line() -> None:
    assert TextStream().feed(b"\x1b[1;1Htop\x1b[5;3Hbottom\x1b[2J") == ["top", "  bottom"]


def test_tmux_octal_escapes_are_undone() -> None:
    assert unescape_output(rb"a\015\012\134b\033[0m") == b"a\r\n\\b\x1b[0m"
