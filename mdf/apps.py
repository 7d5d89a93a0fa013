"""Market development funds: budgets, fund requests, claims, ROI."""

from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = "MDF"

    def ready(self) -> None:
        # Accruals on won revenue; the sweep; the scorecard's MDF rows.
        from mdf import metrics, signals, tasks  # noqa: F401
