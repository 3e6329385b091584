"""The tools, one module per object (panes, windows, sessions, ssh) or concern (keyboard, waits, batch,
channels, options, pipes, agent, the terminal view); importing this package declares them all."""

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
    view,
    waits,
    windows,
)
