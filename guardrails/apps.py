"""Route-to-market rulebook, pricing corridors, deal-registration criteria, exceptions."""

from django.apps import AppConfig


class GuardrailsConfig(AppConfig):
    name = "guardrails"
    verbose_name = "Guardrails"

    def ready(self) -> None:
        from guardrails import signals  # noqa: F401  (recompute decisions when inputs change)
