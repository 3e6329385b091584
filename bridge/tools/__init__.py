"""The tmux tools, one module per object they act on; importing this package declares them all."""

from . import (  # noqa: F401
    agent,
    batch,
    channels,
    keyboard,
    options,
    panes,
    pipes,
    sessions,
    ssh,
    waits,
    windows,
)
