"""Market development funds: budgets, fund requests, claims, ROI."""

from django.apps import AppConfig


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = "MDF"
