"""Lead intake, enrichment, dedupe, routing, SLA timers."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Lead routing"

    def ready(self) -> None:
        from routing.imports import register_imports
        from routing.views import register_all_pages

        register_all_pages()
        register_imports()
