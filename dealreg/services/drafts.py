"""Writing a registration from the registrant's form: a new draft, a draft changed, or a
registration returned for information answered (only the fields the reviewer listed). The pages
call it; the API writes through its serializer with the same checks (`check_editable`,
`require_registrant`, `set_lines`). Validated whole by the model's own rules; nothing is saved
when anything is wrong."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import action
from dealreg.choices import RegState
from dealreg.models import Claim, DealRegistration
from dealreg.services.registrations import (
    REGISTRANT_FIELDS,
    check_editable,
    registrant_defaults,
    require_registrant,
    set_lines,
)
from guardrails.models import RegistrationCriteria
from guardrails.services.versions import active_version
from tenancy.models import Membership, Tenant

__all__ = ["fields_the_rules_ask", "save_draft"]

LINE_KEYS = ("product_line", "quantity", "amount", "requested_discount", "exception_justification")


def _line_key(line: dict[str, Any]) -> tuple:
    return (
        getattr(line.get("product_line"), "pk", None),
        Decimal(str(line.get("quantity", 1))).normalize(),
        Decimal(str(line.get("amount", 0))).normalize(),
        Decimal(str(line.get("requested_discount", 0))).normalize(),
        (line.get("exception_justification") or "").strip(),
    )


def _lines_differ(registration: DealRegistration, lines: list[dict[str, Any]]) -> bool:
    current = [
        {name: getattr(line, name) for name in LINE_KEYS} for line in registration.lines.all()
    ]
    return sorted(map(_line_key, current), key=str) != sorted(map(_line_key, lines), key=str)


def _changed(
    registration: DealRegistration, fields: dict[str, Any], lines: list[dict[str, Any]] | None
) -> list[str]:
    changed = [name for name, value in fields.items() if getattr(registration, name) != value]
    if lines is not None and _lines_differ(registration, lines):
        changed.append("lines")
    return changed


def _release_dropped_lines(registration: DealRegistration) -> None:
    """A line taken off a returned registration frees its claim for others."""
    kept = registration.lines.values_list("product_line_id", flat=True)
    now = timezone.now()
    Claim.objects.filter(registration=registration, active=True).exclude(
        product_line_id__in=kept
    ).update(active=False, released_at=now, updated_at=now)


@action
def save_draft(
    registration: DealRegistration | None,
    fields: dict[str, Any],
    *,
    lines: list[dict[str, Any]] | None = None,
    acting: Membership,
) -> DealRegistration:
    """Create a draft by the acting registrant (registration None), or change one that may be
    changed: a draft in any field, a returned registration in the fields the reviewer listed.
    `lines` (product line, quantity, amount, requested discount, exception justification)
    replace the lines when given; an empty estimated amount becomes the lines' total."""
    unknown = sorted(set(fields) - set(REGISTRANT_FIELDS))
    if unknown:
        raise ValidationError({name: "Not a field the registrant fills in." for name in unknown})
    with transaction.atomic():
        if registration is None:
            defaults = registrant_defaults(acting)
            if not defaults:
                raise PermissionDenied(
                    "Deals are registered by partner users and by direct reps and managers."
                )
            registration = DealRegistration(
                tenant_id=acting.tenant_id, currency=acting.tenant.currency, **defaults
            )
        else:
            require_registrant(registration, acting)
            registration = DealRegistration.objects.select_for_update().get(pk=registration.pk)
            check_editable(registration, _changed(registration, fields, lines))
        for name, value in fields.items():
            setattr(registration, name, value)
        if fields.get("estimated_amount", registration.estimated_amount) is None:
            registration.estimated_amount = sum(
                (Decimal(str(line.get("amount", 0))) for line in lines or []), Decimal(0)
            )
        registration.full_clean(exclude=["tenant", "registrant_user", "end_customer"])
        registration.save()
        if lines is not None:
            set_lines(registration, lines)
            if registration.state == RegState.RETURNED:
                _release_dropped_lines(registration)
    return registration


def fields_the_rules_ask(tenant: Tenant) -> list[str]:
    """The items (guardrails.RequiredField) the registration criteria in force ask for."""
    version = active_version(tenant)
    criteria = RegistrationCriteria.objects.filter(version=version).first() if version else None
    return list(criteria.required_fields) if criteria is not None else []
