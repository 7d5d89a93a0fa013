"""The guardrails API's own refusals, in the one error body (`core.api.errors`).

- 409 `version_locked`: a write to a published rulebook version (published versions never
  change; make a draft from it).
- 409 `publish_refused`: publishing a version whose lint has errors; the body adds `findings`,
  the lint errors (and warnings) that refused it.
- 409 `conflict`: reviewing or withdrawing an exception that is no longer pending.

A service's ValidationError becomes a 400 whose `fields` use the API's dotted paths
(`rules.2.conditions`, 0-based like every nested error), whatever key style the service used.
"""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status

from core.api.errors import Conflict

__all__ = ["PublishRefusedError", "VersionLockedError", "findings_of", "invalid"]


class VersionLockedError(Conflict):
    default_code = "version_locked"
    default_detail = "This rulebook version is published and cannot change; create a draft from it."

    @classmethod
    def of(cls, version: Any) -> VersionLockedError:
        return cls(
            f"Version {version.number} is {version.get_status_display().lower()} and cannot "
            f"change: published versions are immutable. Create a draft from it "
            f'(POST /api/v1/rulebook-versions/ {{"copy_from": {version.pk}}}) and edit that.'
        )


class PublishRefusedError(Conflict):
    status_code = status.HTTP_409_CONFLICT
    default_code = "publish_refused"

    def __init__(self, detail: str, findings: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.findings = findings


def findings_of(findings: Any) -> list[dict[str, Any]]:
    """Lint findings as JSON."""
    return [
        {
            "severity": f.severity,
            "code": f.code,
            "rule_position": f.rule_position,
            "rule_name": f.rule_name,
            "message": f.message,
        }
        for f in findings
    ]


def _path(key: str, prefix: str) -> str:
    """A service's error key as a dotted API path: `rules[3].name` -> `rules.2.name`."""
    if key in ("__all__", "non_field_errors", ""):
        return prefix or "non_field_errors"
    key = re.sub(r"\[(\d+)\]", lambda m: f".{int(m.group(1)) - 1}", key)
    return f"{prefix}.{key}" if prefix else key


def invalid(exc: DjangoValidationError, prefix: str = "") -> exceptions.ValidationError:
    """A service's ValidationError as a 400 whose fields sit under `prefix`."""
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(
            {_path(key, prefix): messages for key, messages in exc.message_dict.items()}
        )
    return exceptions.ValidationError({prefix or "non_field_errors": exc.messages})
