"""Test helpers for deal registration: a rulebook in force with criteria and a corridor, a
calendar in which every minute is working time, and drafts filed by a persona."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Account, ProductLine
from core.tenancy import tenant_scope
from dealreg.models import DealRegistration
from dealreg.services.registrations import registrant_defaults, set_lines
from dealreg.services.state import settings_for
from guardrails.models import PricingCorridor, RegistrationCriteria, Rulebook, RulebookVersion
from routing.models import BusinessCalendar
from tests.world import World


def rulebook(world: World, *, max_extensions: int = 1, min_amount: int = 0) -> RulebookVersion:
    """An active version: corridors of 0 to 15 % on hydraulics for both routes, and criteria."""
    tenant = world.tenant
    with tenant_scope(tenant):
        BusinessCalendar.objects.get_or_create(
            tenant=tenant,
            defaults={
                "working_days": [0, 1, 2, 3, 4, 5, 6],
                "day_starts": dt.time(0, 0),
                "day_ends": dt.time(23, 59, 59),
            },
        )
        book, _ = Rulebook.objects.get_or_create(tenant=tenant)
        now = timezone.now()
        version = RulebookVersion.objects.create(
            tenant=tenant,
            rulebook=book,
            number=1,
            status="active",
            effective_at=now,
            published_at=now,
        )
        book.active_version = version
        book.save()
        line = ProductLine.objects.get(code="hydraulics")
        for route in ("partner", "direct"):
            PricingCorridor.objects.create(
                tenant=tenant,
                version=version,
                product_line=line,
                route=route,
                min_discount=Decimal(0),
                max_discount=Decimal(15),
            )
        RegistrationCriteria.objects.create(
            tenant=tenant,
            version=version,
            min_amount=Decimal(min_amount),
            require_authorization=False,
            protection_days=90,
            max_extensions=max_extensions,
            extension_days=30,
        )
        settings_for(tenant)
        return version


def draft(
    world: World,
    persona: str,
    account: Account | None,
    *,
    discount: str = "10",
    amount: str = "50000",
    name: str = "",
    **fields: Any,
) -> DealRegistration:
    membership = world.membership(persona)
    with tenant_scope(world.tenant):
        registration = DealRegistration.objects.create(
            tenant=world.tenant,
            title=fields.pop("title", f"Press line for {persona}"),
            end_customer=account,
            end_customer_name=name,
            estimated_amount=Decimal(amount),
            currency="EUR",
            **registrant_defaults(membership),
            **fields,
        )
        set_lines(
            registration,
            [
                {
                    "product_line": ProductLine.objects.get(code="hydraulics"),
                    "quantity": Decimal(2),
                    "amount": Decimal(amount),
                    "requested_discount": Decimal(discount),
                }
            ],
        )
        return registration
