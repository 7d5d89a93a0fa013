"""Lead intake, enrichment, dedupe, routing, SLA timers."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Lead routing"
