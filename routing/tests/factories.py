"""Factories of lead-ops rows (the lead itself lives in `pipeline`, but is made here with the
rest of lead ops)."""

import factory

from pipeline.models import Lead
from routing.models import LeadForm
from tenancy.tests.factories import TenantFactory


class LeadFactory(factory.django.DjangoModelFactory[Lead]):
    class Meta:
        model = Lead

    tenant = factory.SubFactory(TenantFactory)
    source = "api"
    first_name = "Anna"
    last_name = factory.Sequence(lambda n: f"Huber {n}")
    email = factory.Sequence(lambda n: f"anna{n}@bergbau-huber.example")
    company = "Bergbau Huber GmbH"
    country = "DE"


class LeadFormFactory(factory.django.DjangoModelFactory[LeadForm]):
    class Meta:
        model = LeadForm

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Contact form {n}")


def publish_rulebook(tenant, *, admin, team, partner, rationale="Austria is served by partners."):
    """Publish a two-rule rulebook: leads from Austria go to `partner`, everything else to the
    direct `team`. Leads route only once a rulebook is active. Also a calendar in which every
    minute is working time, so SLA clocks do not depend on when the tests run."""
    import datetime as dt

    from core.tenancy import tenant_scope
    from guardrails.services.publish import publish
    from guardrails.services.rules import save_rule
    from guardrails.services.versions import create_draft
    from routing.models import BusinessCalendar
    from tenancy.services import membership_for

    with tenant_scope(tenant):
        BusinessCalendar.objects.get_or_create(
            tenant=tenant,
            defaults={
                "working_days": [0, 1, 2, 3, 4, 5, 6],
                "day_starts": dt.time(0, 0),
                "day_ends": dt.time(23, 59, 59),
            },
        )
        acting = membership_for(admin, tenant)
        assert acting is not None
        draft = create_draft(tenant, acting=acting)
        save_rule(
            draft,
            {
                "name": "Austria to partners",
                "conditions": [{"field": "country", "op": "in", "value": ["AT"]}],
                "outcome": "partner",
                "target_kind": "partner",
                "target_partner": partner.pk,
                "rationale": rationale,
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
                "target_team": team.pk,
                "rationale": "The direct team takes everything else.",
                "is_default": True,
            },
            rule=default,
            acting=acting,
        )
        return publish(draft, acting=acting)
