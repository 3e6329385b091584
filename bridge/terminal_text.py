"""The lines a program writes to its terminal, from the raw bytes (what tmux's `%output` carries).

A wait matches text as it is written, so a line that scrolls away at once still counts. Programs do
not write plain lines, though: colours, `\\r` progress bars, backspaces, cursor moves in place of
spaces, whole-screen redraws. `TextStream` keeps one line's worth of a tiny terminal (a row of
cells and a cursor column) and hands out each line as the row it leaves behind, escape sequences
removed. A move to another row ends the line, so a full-screen program's redraw comes out as the
pieces it drew (the wait also compares the screen itself for those, see `bridge/watch.py`).

    stream = TextStream()
    stream.feed(b"\\x1b[32mok\\x1b[0m 3 tests\\r\\n50%\\r60%")   # -> ["ok 3 tests"]
    stream.partial                                              # -> "60%"
"""

from __future__ import annotations

import codecs
import re

# One token at a time: a CSI sequence (parameters, final byte), a string sequence (OSC, DCS, APC,
# PM, SOS) up to its terminator, any other two-byte escape, or a lone control character.
_TOKEN = re.compile(
    r"\x1b\[(?P<params>[0-?]*)[ -/]*(?P<final>[@-~])"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\)"
    r"|\x1b(?![\[\]PX^_])[ -/]*[0-~]"
    r"|[\x00-\x1a\x1c-\x1f\x7f]",
    re.DOTALL,
)
_INCOMPLETE_MAX = 4096  # an escape sequence longer than this is garbage: dropped, not awaited
MAX_LINE = 16384  # characters; a longer line is handed out in pieces
_ROW_MOVES = frozenset("ABEFHJSTdf")  # CSI finals that leave the row (or clear the screen)
_SCREEN_EDITS = frozenset("@LMPXr")  # insert/delete characters or lines, erase, scrolling region
_OCTAL = re.compile(rb"\\([0-7]{3})")


def unescape_output(data: bytes) -> bytes:
    """The bytes a `%output` line carries: tmux writes `\\ooo` for control characters and `\\`."""
    return _OCTAL.sub(lambda m: bytes([int(m[1], 8) & 0xFF]), data)


class TextStream:
    """Terminal output in, finished lines out; not thread-safe (one per reader)."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._carry = ""  # the start of an escape sequence the next chunk completes
        self._cells: list[str] = []
        self._col = 0
        # Set when the output moved to another row or edited the screen in place: what the screen
        # shows may then differ from the lines handed out (cleared by the reader, see `bridge/watch.py`).
        self.drew_in_place = False

    @property
    def partial(self) -> str:
        """The line being written (a prompt, a progress bar), as far as it goes."""
        return "".join(self._cells).rstrip()

    def feed(self, data: bytes) -> list[str]:
        """The lines `data` finishes, oldest first, without trailing blanks; blank lines left out."""
        text = self._carry + self._decoder.decode(data)
        self._carry = ""
        lines: list[str] = []
        position = 0
        for token in _TOKEN.finditer(text):
            self._write(text[position : token.start()], lines)
            position = token.end()
            self._control(token, lines)
        rest = text[position:]
        escape = rest.find("\x1b")
        if escape >= 0:
            # An escape sequence cut by the chunk's end: wait for the rest of it.
            rest, carry = rest[:escape], rest[escape:]
            self._carry = carry if len(carry) < _INCOMPLETE_MAX else ""
        self._write(rest, lines)
        return lines

    def _write(self, run: str, lines: list[str]) -> None:
        if not run:
            return
        cells, col = self._cells, self._col
        if col > len(cells):
            cells.extend(" " * (col - len(cells)))
        cells[col : col + len(run)] = run
        self._col = col + len(run)
        if len(cells) > MAX_LINE:
            self._end(lines)

    def _end(self, lines: list[str]) -> None:
        line = "".join(self._cells).rstrip()
        if line:
            lines.append(line)
        self._cells = []
        self._col = 0

    def _control(self, token: re.Match[str], lines: list[str]) -> None:
        text = token.group()
        final = token.group("final")
        if final is not None:
            self._csi(final, token.group("params"), lines)
        elif text in ("\n", "\x0b", "\x0c"):
            self._end(lines)
        elif text == "\r":
            self._col = 0
        elif text == "\b":
            self._col = max(0, self._col - 1)
        elif text == "\t":
            self._col = (self._col // 8 + 1) * 8

    def _csi(self, final: str, params: str, lines: list[str]) -> None:
        numbers = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        count = max(1, numbers[0]) if numbers else 1
        if final == "C":
            self._col += count
        elif final == "D":
            self._col = max(0, self._col - count)
        elif final in "G`":
            self._col = count - 1
        elif final == "K":
            mode = numbers[0] if numbers else 0
            if mode == 0:
                del self._cells[self._col :]
            elif mode == 1:
                self._cells[: self._col] = " " * min(self._col, len(self._cells))
            else:
                self._cells = []
        elif final in _ROW_MOVES or final in _SCREEN_EDITS:
            self.drew_in_place = True
            self._end(lines)
            if final in "Hf" and len(numbers) > 1:
                self._col = max(1, numbers[1]) - 1
