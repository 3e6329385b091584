"""tmuxhub: steer tmux from Claude over MCP, behind OAuth 2.1 and GitHub login."""

from .celery import app as celery_app

__all__ = ("celery_app",)
