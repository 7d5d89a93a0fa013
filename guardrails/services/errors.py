"""The refusals the guardrails services raise, as Python exceptions (the only ones the app
defines); the console (`guardrails.views`) shows them and the API translates them
(`guardrails.api.errors`). Both are ValidationErrors, so a caller that only knows Django's
validation still refuses the change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from guardrails.models import RulebookVersion
    from guardrails.services.lint import LintReport

__all__ = ["PublishRefused", "VersionLocked"]


class VersionLocked(ValidationError):
    """A published version was asked to change."""

    def __init__(self, version: RulebookVersion) -> None:
        super().__init__(
            f"Version {version.number} is {version.get_status_display().lower()} and cannot "
            "change; copy it into a new draft instead.",
            code="version_locked",
        )


class PublishRefused(ValidationError):
    """Publishing was refused because lint found errors; `report` holds every finding."""

    def __init__(self, report: LintReport) -> None:
        self.report = report
        super().__init__(
            [ValidationError(f.message, code=f.code) for f in report.errors], code="lint_errors"
        )
