from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "abuse"
    verbose_name = "Abuse pipeline"

    def ready(self) -> None:
        # Declares the abuse_* MCP tools in bridge.registry.
        from . import tools  # noqa: F401
