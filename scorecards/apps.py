"""Channel-neutral measurement and the quarterly governance review."""

from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    name = "scorecards"
    verbose_name = "Scorecards"

    def ready(self) -> None:
        import scorecards.metrics
        import scorecards.tasks  # noqa: F401 - registers the periodic tasks by name
