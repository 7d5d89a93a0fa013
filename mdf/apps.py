"""Market development funds: budgets, fund requests, claims, ROI."""

from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = "MDF"

    def ready(self) -> None:
        from mdf import signals, tasks  # noqa: F401  (accruals on won revenue; the sweep)
