"""The tmux tools, one module per object they act on; importing this package declares them all."""

from . import (  # noqa: F401
    agent,
    keyboard,
    panes,
    sessions,
    ssh,
    waits,
    windows,
)
