from django.apps import AppConfig


class BridgeConfig(AppConfig):
    name = "bridge"
    verbose_name = "tmux bridge (MCP)"

    def ready(self) -> None:
        # Declares the tmux tools in bridge.registry; other apps declare theirs in their own ready().
        from . import tools  # noqa: F401
