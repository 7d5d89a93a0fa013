"""What the lead-ops page tests share (no tests here): the world's tenant made ready for routing,
and leads sent through the real engine.

Routing in the world's tenant "alpha": Bavarian leads go to the partners authorized there (only
the first partner, P1), Tyrolean leads to the rival partner P2 by name, everything else to team
North, whose only rep is `rep`. SLA clocks run around the clock, so tests do not depend on when
they run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from core.acting import SystemActor
from core.tenancy import tenant_scope
from guardrails.services.publish import publish
from guardrails.services.rules import save_rule
from guardrails.services.versions import create_draft
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from pipeline.models import Lead
from routing import dedupe_service, services
from routing.models import BusinessCalendar, SlaTimer
from tenancy.services import membership_for

__all__ = [
    "BAVARIA",
    "HAMBURG",
    "TYROL",
    "make_overdue",
    "membership",
    "prepare_routing",
    "process",
    "send",
]

BAVARIA = {"country": "Germany", "region": "Bavaria", "postal_code": "80331", "city": "Munich"}
TYROL = {"country": "Austria", "region": "Tyrol", "postal_code": "6020", "city": "Innsbruck"}
HAMBURG = {"country": "Germany", "region": "Hamburg", "postal_code": "20095", "city": "Hamburg"}


def prepare_routing(world: Any) -> dict[str, Any]:
    """Territories, an authorization, a calendar and a published rulebook for tenant alpha."""
    tenant, admin = world.tenant, world.users["admin"]
    with tenant_scope(tenant):
        dedupe_service.forget_indexes()
        bavaria = TerritoryFactory(tenant=tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=bavaria, country="DE", region="DE-BY")
        tyrol = TerritoryFactory(tenant=tenant, code="tyrol", name="Tyrol")
        TerritoryAreaFactory(territory=tyrol, country="AT", region="AT-7")
        PartnerAuthorizationFactory(partner=world.partner, territory=bavaria)
        BusinessCalendar.objects.create(
            tenant=tenant,
            working_days=[0, 1, 2, 3, 4, 5, 6],
            day_starts=dt.time(0, 0),
            day_ends=dt.time(23, 59, 59),
        )
        acting = membership_for(admin, tenant)
        assert acting is not None
        draft = create_draft(tenant, acting=acting)
        save_rule(
            draft,
            {
                "name": "Bavaria to partners",
                "conditions": [{"field": "territory", "op": "in", "value": ["bavaria"]}],
                "outcome": "partner",
                "target_kind": "authorized",
                "rationale": "Authorized distributors serve Bavaria.",
            },
            acting=acting,
        )
        save_rule(
            draft,
            {
                "name": "Tyrol to the rival",
                "conditions": [{"field": "territory", "op": "in", "value": ["tyrol"]}],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": world.other_partner.pk,
                "rationale": "Our Tyrolean partner knows the valleys.",
            },
            acting=acting,
        )
        default = draft.rules.get(is_default=True)
        save_rule(
            draft,
            {
                "name": "Default",
                "outcome": "direct",
                "target_kind": "team",
                "target_team": world.orgs["team"].pk,
                "rationale": "Direct North takes everything else.",
                "is_default": True,
            },
            rule=default,
            acting=acting,
        )
        version = publish(draft, acting=acting)
    return {"version": version}


_counter = iter(range(1, 1_000_000))


def send(world: Any, where: dict | None = None, **fields: Any) -> Lead:
    """A new lead through the real engine (enrich, dedupe, route, start the clocks)."""
    n = next(_counter)
    values = {
        "source": "api",
        "first_name": "Anna",
        "last_name": f"Huber{n}",
        "email": f"anna{n}@firma{n}.de",
        "company": f"Firma {n} GmbH",
        **(where if where is not None else HAMBURG),
        **fields,
    }
    with tenant_scope(world.tenant):
        lead = Lead.objects.create(tenant=world.tenant, **values)
        services.process_batch(world.tenant, [lead.pk], acting=SystemActor("test"))
        lead.refresh_from_db()
    return lead


def process(world: Any, lead: Lead) -> Lead:
    with tenant_scope(world.tenant):
        services.process_batch(world.tenant, [lead.pk], acting=SystemActor("test"))
        lead.refresh_from_db()
    return lead


def membership(world: Any, persona: str) -> Any:
    return membership_for(world.users[persona], world.tenant)


def make_overdue(world: Any, lead: Lead, minutes: int = 30) -> None:
    """The lead's running clocks fell due `minutes` ago."""
    with tenant_scope(world.tenant):
        SlaTimer.objects.filter(lead=lead, state="running").update(
            due_at=timezone.now() - dt.timedelta(minutes=minutes)
        )
