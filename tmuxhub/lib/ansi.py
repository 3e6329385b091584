"""A pane's text with its colours (tmux `capture-pane -e`) as safe HTML, for the live pane view.

Only SGR attributes (colours, bold, italic, underline, reverse, strike-through) become markup; every
other escape sequence and control character is dropped, and all text is HTML-escaped, so nothing a
program prints in a pane can put markup or script into the admin page.

    >>> to_html(["\\x1b[1;31mfailed\\x1b[0m <b>x</b>"])
    '<span class="a-b a-f1">failed</span> &lt;b&gt;x&lt;/b&gt;'
    >>> plain(["\\x1b[31mred\\x1b[0m"])
    ['red']
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

# SGR (`ESC [ ... m`), any other CSI sequence, OSC strings (titles, hyperlinks), two-byte escapes,
# and C0 controls except tab.
_TOKEN = re.compile(
    r"\x1b\[(?P<sgr>[0-9;:]*)m"
    r"|\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[@-_]?"
    r"|[\x00-\x08\x0a-\x1f\x7f]"
)
_CUBE = (0, 95, 135, 175, 215, 255)

# A colour is a palette index (0-15, styled by the stylesheet so it can stay readable on the
# terminal's background), "#rrggbb", or None for the terminal's default.
Colour = int | str | None
DEFAULT_FG, DEFAULT_BG = "fg", "bg"  # reverse video with default colours: the other default


@dataclass(frozen=True)
class Style:
    fg: Colour = None
    bg: Colour = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False
    reverse: bool = False
    strike: bool = False

    def classes_and_css(self) -> tuple[list[str], list[str]]:
        fg, bg = (self.bg or DEFAULT_BG, self.fg or DEFAULT_FG) if self.reverse else (self.fg, self.bg)
        classes = [name for name, on in self._flags() if on]
        css: list[str] = []
        for prefix, prop, colour in (("f", "color", fg), ("b", "background-color", bg)):
            if isinstance(colour, int) or colour in (DEFAULT_FG, DEFAULT_BG):
                classes.append(f"a-{prefix}{colour}")
            elif colour:
                css.append(f"{prop}:{colour}")
        return classes, css

    def _flags(self) -> list[tuple[str, bool]]:
        return [
            ("a-b", self.bold),
            ("a-d", self.dim),
            ("a-i", self.italic),
            ("a-u", self.underline),
            ("a-s", self.strike),
        ]


PLAIN = Style()


def _extended(params: list[str]) -> tuple[Colour, int]:
    """`5;n` or `2;r;g;b` after a 38/48: the colour and how many parameters it used."""
    if params[:1] == ["5"] and len(params) >= 2 and params[1].isdigit():
        return _palette(int(params[1])), 2
    if params[:1] == ["2"] and len(params) >= 4 and all(p.isdigit() for p in params[1:4]):
        red, green, blue = (min(int(p), 255) for p in params[1:4])
        return f"#{red:02x}{green:02x}{blue:02x}", 4
    return None, len(params)


def _palette(index: int) -> Colour:
    if index < 16:
        return index
    if index < 232:
        index -= 16
        red, green, blue = _CUBE[index // 36], _CUBE[index // 6 % 6], _CUBE[index % 6]
    elif index < 256:
        red = green = blue = 8 + (index - 232) * 10
    else:
        return None
    return f"#{red:02x}{green:02x}{blue:02x}"


def _apply(style: Style, codes: str) -> Style:
    # `38:2::r:g:b` (colon form) reads like `38;2;r;g;b`; an empty colour-space id is dropped.
    params = re.split(r"[;:]", codes) if codes else ["0"]
    params = [p for index, p in enumerate(params) if p or index == 0 or params[index - 1] != "2"]
    index = 0
    while index < len(params):
        code = int(params[index]) if params[index].isdigit() else 0
        index += 1
        if code in (38, 48):
            colour, used = _extended(params[index:])
            index += used
            style = replace(style, fg=colour) if code == 38 else replace(style, bg=colour)
        elif code == 0:
            style = PLAIN
        elif 30 <= code <= 37 or 90 <= code <= 97:
            style = replace(style, fg=code - 30 if code < 90 else code - 82)
        elif 40 <= code <= 47 or 100 <= code <= 107:
            style = replace(style, bg=code - 40 if code < 100 else code - 92)
        elif code in _SIMPLE:
            style = replace(style, **_SIMPLE[code])  # type: ignore[arg-type]  # values match fields
    return style


_SIMPLE: dict[int, dict[str, object]] = {
    1: {"bold": True},
    2: {"dim": True},
    3: {"italic": True},
    4: {"underline": True},
    7: {"reverse": True},
    9: {"strike": True},
    21: {"underline": True},
    22: {"bold": False, "dim": False},
    23: {"italic": False},
    24: {"underline": False},
    27: {"reverse": False},
    29: {"strike": False},
    39: {"fg": None},
    49: {"bg": None},
}


def _runs(line: str, style: Style) -> Iterator[tuple[Style, str]]:
    """The line's text in runs of one style; the style carries over to the next line, as in tmux."""
    position = 0
    for match in _TOKEN.finditer(line):
        if match.start() > position:
            yield style, line[position : match.start()]
        if match.group("sgr") is not None:
            style = _apply(style, match.group("sgr"))
        position = match.end()
    if position < len(line):
        yield style, line[position:]
    yield style, ""  # hands the style at the end of the line to the next one


def to_html(lines: Iterable[str]) -> str:
    """The lines as HTML (a `<pre>`'s content): escaped text in `<span>`s for the styled runs."""
    out: list[str] = []
    carried = PLAIN
    for number, line in enumerate(lines):
        if number:
            out.append("\n")
        for style, text in _runs(line, carried):
            carried = style
            if not text:
                continue
            escaped = html.escape(text, quote=True)
            if style == PLAIN:
                out.append(escaped)
                continue
            classes, css = style.classes_and_css()
            attributes = f' class="{" ".join(classes)}"' if classes else ""
            attributes += f' style="{";".join(css)}"' if css else ""
            out.append(f"<span{attributes}>{escaped}</span>" if attributes else escaped)
    return "".join(out)


def plain(lines: Iterable[str]) -> list[str]:
    """The lines without any escape sequence or control character."""
    return [_TOKEN.sub("", line) for line in lines]
