"""The tmux tools, one module per object they act on; importing this package declares them all."""

from . import sessions  # noqa: F401
