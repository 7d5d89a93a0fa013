"""Publishing a draft and putting it in force. Publishing checks lint in the same transaction that
flips the status, so a version with errors is never half-published. A version comes into force
at once or at its `effective_at` (`activate_due_versions`, run by the periodic sweep); the one it
replaces retires, and every stored decision is recomputed in the background."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import action
from guardrails.choices import VersionStatus
from guardrails.models import RegistrationCriteria, Rulebook, RulebookVersion
from guardrails.services.decisions import recompute_tenant
from guardrails.services.errors import PublishRefused
from guardrails.services.lint import lint
from guardrails.services.versions import lock_draft
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = ["activate_due_versions", "publish"]


@action
@transaction.atomic
def publish(
    version: RulebookVersion, *, acting: Acting, effective_at: dt.datetime | None = None
) -> RulebookVersion:
    """Publish a draft, in force now or from `effective_at`. Refused (PublishRefused) with the lint
    errors, and nothing changes, when the version has any."""
    rulebook = Rulebook.objects.select_for_update().get(pk=version.rulebook_id)
    version = lock_draft(version)
    report = lint(version, check_accounts=False)
    if not report.ok:
        raise PublishRefused(report)
    if not RegistrationCriteria.objects.filter(version=version).exists():
        RegistrationCriteria.objects.create(tenant=version.tenant, version=version)
    now = timezone.now()
    if effective_at is not None and timezone.is_naive(effective_at):
        raise ValidationError({"effective_at": "Give a date and time with its time zone."})
    version.effective_at = max(effective_at or now, now)
    version.published_at, version.published_by = now, acting.audit_user
    version.status = VersionStatus.SCHEDULED
    version.save()
    if version.effective_at <= now:
        _activate(rulebook, version)
    return version


def _activate(rulebook: Rulebook, version: RulebookVersion) -> None:
    previous = rulebook.active_version
    if previous is not None and previous.pk != version.pk:
        previous.status = VersionStatus.RETIRED
        previous.save(update_fields=["status", "updated_at"])
    version.status = VersionStatus.ACTIVE
    version.save(update_fields=["status", "updated_at"])
    rulebook.active_version = version
    rulebook.save(update_fields=["active_version", "updated_at"])
    recompute_tenant.delay_on_commit(tenant_id=rulebook.tenant_id)


@action
@transaction.atomic
def activate_due_versions(
    tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None
) -> RulebookVersion | None:
    """Put the latest scheduled version whose time has come in force; earlier due ones retire
    without ever having been active."""
    now = now or timezone.now()
    due = list(
        RulebookVersion.objects.filter(status=VersionStatus.SCHEDULED, effective_at__lte=now)
        .select_for_update()
        .order_by("effective_at", "number")
    )
    if not due:
        return None
    rulebook = Rulebook.objects.select_for_update().get(pk=due[-1].rulebook_id)
    for skipped in due[:-1]:
        skipped.status = VersionStatus.RETIRED
        skipped.save(update_fields=["status", "updated_at"])
    _activate(rulebook, due[-1])
    return due[-1]
