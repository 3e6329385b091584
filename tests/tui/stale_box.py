# ruff: noqa: RUF001 (the TUI draws with these characters)
"""A stand-in for Claude Code whose box goes on showing an older prompt for a moment after a paste
arrives, then shows the paste (2.1.197 was seen doing that right after a turn: the flake of
test_agent_state_follows_the_live_screens). It logs whether Enter came before the paste showed.

    python stale_box.py LOG
"""

import os
import select
import sys
import termios
import time
import tty

RULE = "─" * 60
STALE_FOR = 1.5  # seconds the older prompt stays in the box after a paste


def draw(box: str) -> None:
    rows = ["", "● ready", "", RULE, f"❯ {box}", RULE, "  ? for shortcuts"]
    sys.stdout.write("\x1b[2J\x1b[H" + "\r\n".join(rows) + "\r\n")
    sys.stdout.flush()


def main() -> None:
    log = open(sys.argv[1], "a", buffering=1)  # noqa: SIM115 (kept open for the program's life)
    saved = termios.tcgetattr(0)
    tty.setraw(0)
    sys.stdout.write("\x1b[?2004h")  # bracketed paste, as Claude Code asks for
    draw("")
    pasted, show_at = "", None
    try:
        while True:
            wait = None if show_at is None else max(0.0, show_at - time.monotonic())
            ready, _, _ = select.select([0], [], [], wait)
            if show_at is not None and time.monotonic() >= show_at:
                draw(pasted)
                show_at = None
            if not ready:
                continue
            data = os.read(0, 65536).decode(errors="replace")
            if "\x1b[200~" in data:
                pasted = data.split("\x1b[200~", 1)[1].split("\x1b[201~", 1)[0]
                draw("take your time")  # the older prompt, still drawn
                show_at = time.monotonic() + STALE_FOR
            if "\r" in data.split("\x1b[201~")[-1]:
                log.write("enter before the paste showed\n" if show_at is not None else "enter\n")
                if show_at is None:
                    draw("")
            if "\x03" in data:
                return
    finally:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)


if __name__ == "__main__":
    main()
