"""The tmux tools, one module per object they act on; importing this package declares them all."""

from . import keyboard, panes, sessions, waits, windows  # noqa: F401
