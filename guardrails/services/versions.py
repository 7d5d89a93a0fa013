"""The rulebook and its versions: drafts are created (empty, or as a copy of a version), renamed
and deleted; a published version never changes again (`VersionLocked`). Every write to a draft
locks it first (`lock_draft`), so two admins editing one draft take turns and a draft published
meanwhile refuses the change."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from core.acting import action
from guardrails.choices import Outcome, VersionStatus
from guardrails.models import (
    PricingCorridor,
    RegistrationCriteria,
    RouteRule,
    Rulebook,
    RulebookVersion,
)
from guardrails.services.errors import VersionLocked
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = [
    "active_version",
    "assert_editable",
    "create_draft",
    "delete_draft",
    "get_rulebook",
    "lock_draft",
    "set_review_hours",
    "update_draft",
]


def get_rulebook(tenant: Tenant) -> Rulebook:
    rulebook = Rulebook.objects.filter(tenant=tenant).first()
    if rulebook is None:
        rulebook, _ = Rulebook.objects.get_or_create(tenant=tenant)
    return rulebook


def active_version(tenant: Tenant) -> RulebookVersion | None:
    rulebook = Rulebook.objects.select_related("active_version").filter(tenant=tenant).first()
    return rulebook.active_version if rulebook else None


def assert_editable(version: RulebookVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(version)


@action
@transaction.atomic
def create_draft(
    tenant: Tenant, *, acting: Acting, copy_from: RulebookVersion | None = None, summary: str = ""
) -> RulebookVersion:
    """A new draft: a copy of `copy_from`, or of the active version, or empty with a default rule.
    Copying an earlier version and publishing the copy is how a rulebook is rolled back."""
    rulebook = Rulebook.objects.select_for_update().get(pk=get_rulebook(tenant).pk)
    source = copy_from or rulebook.active_version
    number = (RulebookVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = RulebookVersion.objects.create(
        tenant=tenant,
        rulebook=rulebook,
        number=number,
        summary=summary or (f"Copy of version {source.number}" if source else "First rulebook"),
        based_on=source,
        created_by=acting.audit_user,
    )
    if source is None:
        RouteRule.objects.create(
            tenant=tenant,
            version=draft,
            position=1,
            name="Default",
            outcome=Outcome.DIRECT,
            rationale="Accounts no other rule covers are served by the direct team.",
            is_default=True,
        )
        RegistrationCriteria.objects.create(tenant=tenant, version=draft)
        return draft
    for rule in RouteRule.objects.filter(version=source):
        rule.pk, rule.version = None, draft
        rule.save()
    for corridor in PricingCorridor.objects.filter(version=source):
        corridor.pk, corridor.version = None, draft
        corridor.save()
    criteria = RegistrationCriteria.objects.filter(version=source).first()
    if criteria is not None:
        criteria.pk, criteria.version = None, draft
        criteria.save()
    else:
        RegistrationCriteria.objects.create(tenant=tenant, version=draft)
    return draft


@action
def update_draft(version: RulebookVersion, *, summary: str, acting: Acting) -> RulebookVersion:
    assert_editable(version)
    version.summary = (summary or "").strip()[:300]
    version.save(update_fields=["summary", "updated_at"])
    return version


@action
@transaction.atomic
def delete_draft(version: RulebookVersion, *, acting: Acting) -> None:
    assert_editable(version)
    version.delete()


def lock_draft(version: RulebookVersion) -> RulebookVersion:
    """The draft, row-locked until the transaction ends; refused when it is no longer a draft."""
    locked = RulebookVersion.objects.select_for_update().get(pk=version.pk)
    assert_editable(locked)
    return locked


@action
def set_review_hours(tenant: Tenant, hours: int, *, acting: Acting) -> Rulebook:
    """How long exception requests may wait for review before they are escalated; the limits
    are the model field's validators, so the console and the API refuse the same hours."""
    rulebook = get_rulebook(tenant)
    rulebook.exception_review_hours = hours
    rulebook.full_clean(
        exclude=["tenant", "active_version"], validate_unique=False, validate_constraints=False
    )
    rulebook.save(update_fields=["exception_review_hours", "updated_at"])
    return rulebook
