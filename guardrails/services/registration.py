"""Deal-registration criteria: a draft's criteria are edited here, and `check_registration` says
why a registration fails the criteria of the version in force when it was submitted."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import action
from guardrails.choices import RequiredField
from guardrails.engine import (
    CompiledRulebook,
    FactsLoader,
    deal_facts,
    iter_account_facts,
    work_exceptions,
)
from guardrails.models import RegistrationCriteria, RulebookVersion
from guardrails.services.versions import lock_draft
from tenancy.acting import Acting
from tenancy.choices import PartnerTier
from tenancy.models import Partner

__all__ = ["CRITERIA_NUMBERS", "check_registration", "save_criteria"]

# The criteria's numbers; their limits are the model fields' validators, run here for every door.
CRITERIA_NUMBERS = ("min_amount", "protection_days", "max_extensions", "extension_days")


@action
@transaction.atomic
def save_criteria(version: RulebookVersion, data: dict, *, acting: Acting) -> RegistrationCriteria:
    version = lock_draft(version)
    criteria = RegistrationCriteria.objects.filter(version=version).first() or (
        RegistrationCriteria(tenant=version.tenant, version=version)
    )
    errors: dict[str, str | list[str]] = {}
    numbers = [key for key in CRITERIA_NUMBERS if key in data]
    for key in numbers:
        setattr(criteria, key, data[key])
    others = [f.name for f in RegistrationCriteria._meta.fields if f.name not in numbers]
    try:
        criteria.clean_fields(exclude=others)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if "eligible_product_lines" in data:
        lines = data["eligible_product_lines"] or []
        known = set(ProductLine.objects.values_list("code", flat=True))
        if not isinstance(lines, list) or not all(isinstance(c, str) for c in lines):
            errors["eligible_product_lines"] = "A list of product line codes."
        elif unknown := sorted(set(lines) - known):
            errors["eligible_product_lines"] = f"Unknown product line(s) {', '.join(unknown)}."
        else:
            criteria.eligible_product_lines = sorted(set(lines))
    if "required_fields" in data:
        wanted = data["required_fields"] or []
        if not isinstance(wanted, list) or set(map(str, wanted)) - set(RequiredField.values):
            errors["required_fields"] = f"Choose from {', '.join(RequiredField.values)}."
        else:
            criteria.required_fields = sorted(set(wanted))
    if "min_partner_tier" in data:
        tier = data["min_partner_tier"] or ""
        if tier and tier not in PartnerTier.values:
            errors["min_partner_tier"] = f"Expected one of {', '.join(PartnerTier.values)}."
        criteria.min_partner_tier = tier
    for key in ("require_authorization", "exclude_named_accounts"):
        if key in data:
            if not isinstance(data[key], bool):
                errors[key] = "True or false."
            else:
                setattr(criteria, key, data[key])
    if errors:
        raise ValidationError(errors)
    criteria.save()
    return criteria


TIER_ORDER = {tier: i for i, tier in enumerate(PartnerTier.values)}  # platinum = 0


def check_registration(
    version: RulebookVersion,
    *,
    partner: Partner | None,
    account: Account,
    amount: Decimal,
    product_lines: Iterable[ProductLine],
    provided_fields: Iterable[str],
) -> list[str]:
    """Why a registration fails the criteria of `version` (the one in force when it was
    submitted); empty when it meets them. A direct rep's registration (`partner` None) is held
    to the same amount, lines and fields; tier, authorization and the named-account reserve
    are the partner's criteria."""
    criteria = RegistrationCriteria.objects.filter(version=version).first()
    if criteria is None:
        return []
    reasons = []
    lines = list(product_lines)
    if Decimal(amount) < criteria.min_amount:
        reasons.append(f"The amount is below the minimum of {criteria.min_amount:,.2f}.")
    if criteria.eligible_product_lines:
        ineligible = [pl.name for pl in lines if pl.code not in criteria.eligible_product_lines]
        if ineligible:
            reasons.append(f"Not eligible for registration: {', '.join(ineligible)}.")
    missing = [
        RequiredField(f).label for f in criteria.required_fields if f not in set(provided_fields)
    ]
    if missing:
        reasons.append(f"Missing required information: {', '.join(missing)}.")
    if partner is None:
        return reasons
    if criteria.min_partner_tier and TIER_ORDER.get(partner.tier, 99) > TIER_ORDER.get(
        criteria.min_partner_tier, 99
    ):
        reasons.append(
            f"Registrations need partner tier {PartnerTier(criteria.min_partner_tier).label} or above."
        )
    if criteria.exclude_named_accounts and account.named_account:
        exception = work_exceptions([account.pk], timezone.localdate()).get(account.pk)
        if exception is None or exception.partner_id != partner.pk:
            reasons.append("This is a named account reserved for the direct team.")
    if criteria.require_authorization:
        compiled = CompiledRulebook.for_version(version)
        facts = next(iter(iter_account_facts([account.pk])), {}).get(account.pk)
        if facts is not None:
            codes = frozenset(pl.code for pl in lines) or facts.product_lines
            authorized = compiled.authorized_partners(
                deal_facts(facts, amount, codes, FactsLoader())
            )
            if partner.pk not in authorized:
                reasons.append("The partner is not authorized for this territory and product line.")
    return reasons
