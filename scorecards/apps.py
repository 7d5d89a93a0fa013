"""Channel-neutral measurement and the quarterly governance review."""

from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Scorecards"
