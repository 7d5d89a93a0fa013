import pytest

from core.audit import audit_context
from core.models import AuditEvent
from core.tenancy import tenant_scope
from tenancy.models import Partner
from tenancy.tests.factories import TenantFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(tenant, **filters):
    return list(AuditEvent.all_tenants.filter(tenant=tenant, **filters).order_by("id"))


def test_create_update_delete_are_logged_with_actor_and_changed_fields():
    tenant, actor = TenantFactory.create(), UserFactory.create(email="ann@example.com")
    with tenant_scope(tenant), audit_context(actor=actor, source="web"):
        partner = Partner.objects.create(tenant=tenant, name="Nordic", tier="silver")
        partner.tier = "gold"
        partner.save()
        partner.save()  # nothing changed: nothing logged
        partner.delete()

    created, updated, deleted = events(tenant, object_type="tenancy.Partner")
    assert (
        created.action == "create"
        and created.actor == actor
        and created.actor_label == "ann@example.com"
    )
    assert created.changes["name"] == [None, "Nordic"]
    assert updated.action == "update" and updated.changes == {"tier": ["silver", "gold"]}
    assert deleted.action == "delete" and deleted.changes["name"] == ["Nordic", None]
    assert {e.source for e in (created, updated, deleted)} == {"web"}


def test_events_belong_to_the_changed_rows_tenant_only():
    a, b = TenantFactory.create(), TenantFactory.create()
    with tenant_scope(a):
        Partner.objects.create(tenant=a, name="Only in A")
    assert len(events(a, object_type="tenancy.Partner")) == 1
    assert events(b, object_type="tenancy.Partner") == []


def test_secrets_never_reach_the_log(world):
    from tenancy.services import issue_api_token

    token, key = issue_api_token(
        tenant=world.tenant, user=world.users["admin"], name="CRM", acting=world.membership("admin")
    )
    event = AuditEvent.all_tenants.get(object_type="tenancy.ApiToken", object_id=str(token.pk))
    assert "key_hash" not in event.changes
    assert key not in str(event.changes) and token.key_hash not in str(event.changes)
