"""The acting person is explicit: services name their actor with `acting=`, and the audit log
records that actor, not whoever the ambient context says is signed in."""

import pytest

from core.acting import SystemActor, action
from core.audit import audit_context
from core.models import AuditEvent
from core.tenancy import tenant_scope
from tenancy.models import Partner

pytestmark = pytest.mark.django_db


@action
def rename_partner(partner: Partner, name: str, *, acting) -> Partner:
    partner.name = name
    partner.save()
    return partner


def _last_event(tenant) -> AuditEvent:
    return AuditEvent.all_tenants.filter(tenant=tenant, object_type="tenancy.Partner").latest("id")


def test_a_membership_acting_is_the_recorded_actor_whatever_the_ambient_context(world):
    partner_admin = world.membership("partner_admin")
    with tenant_scope(world.tenant), audit_context(actor=world.users["admin"], source="task"):
        rename_partner(world.partner, "Renamed", acting=partner_admin)
    event = _last_event(world.tenant)
    assert event.actor == partner_admin.user
    assert event.actor_label == partner_admin.user.email
    assert event.source == "task"  # the caller's source is kept


def test_a_system_actor_is_recorded_by_name_with_no_user(world):
    with tenant_scope(world.tenant), audit_context(actor=world.users["admin"], source="task"):
        rename_partner(world.partner, "Swept", acting=SystemActor("sla sweep"))
    event = _last_event(world.tenant)
    assert event.actor is None and event.actor_label == "system: sla sweep"


def test_acting_must_be_an_actor(world):
    with tenant_scope(world.tenant), pytest.raises(TypeError, match="acting="):
        rename_partner(world.partner, "Nope", acting=world.users["admin"])


def test_a_service_without_keyword_only_acting_is_refused_when_defined():
    with pytest.raises(TypeError, match="keyword-only acting="):

        @action
        def careless(partner, acting):  # positional: refused
            return partner
