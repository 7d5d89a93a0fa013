"""Lead intake, enrichment, dedupe, routing, SLA timers."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Lead routing"

    def ready(self) -> None:
        import routing.tasks  # noqa: F401 - registers the tasks routing.queue queues by name
        from routing.imports import register_imports

        register_imports()
