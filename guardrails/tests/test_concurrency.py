"""Publishing and drafting race safely: one active version, unique numbers (PostgreSQL)."""

from __future__ import annotations

import pytest

from core.tenancy import tenant_scope
from guardrails.choices import VersionStatus
from guardrails.models import RulebookVersion
from guardrails.services.publish import publish
from guardrails.services.versions import active_version, create_draft
from tenancy.choices import Role
from tenancy.services import membership_for
from tenancy.tests.factories import TenantFactory, member
from tests.concurrency import race, require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_publishes_leave_exactly_one_active_version():
    require_postgres()
    tenant = TenantFactory()
    admin = member(tenant, Role.REVOPS_ADMIN)
    with tenant_scope(tenant):
        acting = membership_for(admin, tenant)
        assert acting is not None
        drafts = [create_draft(tenant, acting=acting) for _ in range(2)]
    results = race(tenant, lambda i: publish(drafts[i], acting=acting))
    assert not [r for r in results if isinstance(r, Exception)], results
    with tenant_scope(tenant):
        statuses = sorted(RulebookVersion.objects.values_list("status", flat=True))
        assert statuses == [VersionStatus.ACTIVE, VersionStatus.RETIRED]
        active = active_version(tenant)
        assert active is not None and active.status == VersionStatus.ACTIVE


def test_concurrent_drafts_get_distinct_numbers():
    require_postgres()
    tenant = TenantFactory()
    admin = member(tenant, Role.REVOPS_ADMIN)
    with tenant_scope(tenant):
        acting = membership_for(admin, tenant)
        assert acting is not None
    results = race(tenant, lambda i: create_draft(tenant, acting=acting).number, n=3)
    assert sorted(results) == [1, 2, 3], results
