"""A tiny full-screen program with an input box, standing in for Claude Code in tests.

It takes the alternate screen, asks for bracketed paste, and shows a history area above a `> `
input line. Typed or pasted text goes into the input line; Enter moves it into the history (and
appends it as a JSON line to `--log`) and empties the input. `--swallow N` ignores the first N
Enters after each paste, as TUIs do when Enter arrives while they still digest a paste; `--collapse N`
shows a paste of more than N lines as `[Pasted text +K lines]`, as Claude Code does.

    python tests/tui/inputbox.py --log /tmp/submitted.jsonl [--swallow 1] [--collapse 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import termios
import tty

PASTE_START, PASTE_END = b"\x1b[200~", b"\x1b[201~"


class InputBox:
    def __init__(self, log: str, swallow: int, collapse: int) -> None:
        self.log = log
        self.swallow = swallow
        self.collapse = collapse
        self.to_swallow = 0
        self.history: list[str] = []
        self.text = ""

    def draw(self) -> None:
        columns, rows = shutil.get_terminal_size()
        area = rows - 2
        shown = [f"history: {line}"[:columns] for line in self.history][-area:]
        out = ["\x1b[H\x1b[2J"]
        out += [f"\x1b[{i + 1};1H{line}" for i, line in enumerate(shown)]
        out.append(f"\x1b[{rows - 1};1H" + "-" * columns)
        lines = self.text.count("\n") + 1
        shown_text = f"[Pasted text +{lines} lines]" if self.collapse and lines > self.collapse else self.text
        visible = ("> " + shown_text.replace("\n", " "))[-(columns - 1) :]
        out.append(f"\x1b[{rows};1H{visible}")
        sys.stdout.write("".join(out))
        sys.stdout.flush()

    def submit(self) -> None:
        if self.to_swallow:
            self.to_swallow -= 1
            return
        if not self.text:
            return
        self.history.append(self.text.replace("\n", " "))
        with open(self.log, "a") as log:
            log.write(json.dumps(self.text) + "\n")
        self.text = ""

    def feed(self, data: bytes) -> bytes:
        """Handle what can be handled of `data`; return the unfinished rest (a paste still arriving)."""
        while data:
            if data.startswith(PASTE_START):
                end = data.find(PASTE_END)
                if end < 0:
                    return data
                self.text += data[len(PASTE_START) : end].decode(errors="replace").replace("\r", "\n")
                self.to_swallow = self.swallow
                data = data[end + len(PASTE_END) :]
            elif data[:1] == b"\x1b":
                if len(data) < len(PASTE_START) and PASTE_START.startswith(data):
                    return data
                data = data[1:]  # other escape sequences are ignored
            elif data[:1] == b"\r":
                self.submit()
                data = data[1:]
            elif data[:1] == b"\x7f":
                self.text = self.text[:-1]
                data = data[1:]
            elif data[:1] == b"\x03":
                raise KeyboardInterrupt
            else:
                self.text += data[:1].decode(errors="replace")
                data = data[1:]
        return b""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--swallow", type=int, default=0)
    parser.add_argument("--collapse", type=int, default=0)
    args = parser.parse_args()
    box = InputBox(args.log, args.swallow, args.collapse)
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    sys.stdout.write("\x1b[?1049h\x1b[?2004h")
    try:
        pending = b""
        box.draw()
        while True:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            pending = box.feed(pending + chunk)
            box.draw()
    except KeyboardInterrupt:
        pass
    finally:
        sys.stdout.write("\x1b[?2004l\x1b[?1049l")
        sys.stdout.flush()
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    main()
