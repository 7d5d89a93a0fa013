"""The rollup tasks: one writer per tenant at a time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.metrics import Filters
from core.tenancy import tenant_scope
from pipeline.models import Opportunity
from scorecards import services, tasks
from scorecards.models import OpportunityFact, PipelineCell, RefreshCursor
from scorecards.tests.generated import generate

pytestmark = pytest.mark.django_db


@pytest.mark.django_db(transaction=True)  # the change feed hands out committed changes only
def test_a_refresh_waits_its_turn_and_then_builds_everything(world):
    tenant = world.tenant
    with tenant_scope(tenant):
        generate(world)
    # Another refresh (or a rebuild) of the tenant is writing: this one leaves it to that one.
    with tasks.writing(tenant.pk, 60) as claimed:
        assert claimed
        assert tasks.refresh_tenant(tenant_id=tenant.pk) == 0
    with tenant_scope(tenant):
        assert not OpportunityFact.objects.exists() and not RefreshCursor.objects.exists()
    # The flag given back, the next minute's refresh reads every change since the start.
    assert tasks.refresh_tenant(tenant_id=tenant.pk) > 0
    with tenant_scope(tenant), CaptureQueriesContext(connection) as read:
        # What the console opens with was computed by the task: its first view reads no facts.
        services.stage_medians(tenant, services.quarter_from(tenant, None), filters=Filters())
    assert not [q for q in read.captured_queries if "scorecards_stageduration" in q["sql"]]
    with tenant_scope(tenant):
        opportunities = Opportunity.objects.count()
        assert OpportunityFact.objects.count() == opportunities
        assert PipelineCell.objects.filter(scope_kind="tenant", detailed=False).exists()
    # Another tenant's writer does not hold this one up.
    with tasks.writing(tenant.pk + 1000, 60):
        assert tasks.rebuild_tenant(tenant_id=tenant.pk) >= opportunities
