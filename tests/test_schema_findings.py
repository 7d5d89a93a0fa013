"""What the schema conformance run (tests/test_schema_conformance.py) found, pinned down here:
in their own module, because that one keeps a world of its own open for its whole run."""

from __future__ import annotations

from accounts.models import TargetList
from core.tenancy import tenant_scope
from pipeline.models import Lead
from tests.world import World


def test_a_target_list_member_without_an_account_is_a_400_naming_it(world: World, api_as) -> None:
    target_list = TargetList.all_tenants.get(tenant=world.tenant, name__startswith="ABM North")
    response = api_as("admin").patch(
        f"/api/v1/target-lists/{target_list.pk}/",
        {"members": [{"account": world.customers["rep"].pk}, {"reason": "no account"}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "members.1.account": ['Member 1 needs an account: an id or {"external_id": "..."}.']
    }


def test_a_lead_email_is_stored_trimmed_with_its_domain_in_lower_case(world: World, api_as) -> None:
    response = api_as("admin").post(
        "/api/v1/leads/",
        {"last_name": "Wagner", "email": "  M.Wagner@OSTERMANN-ERDBAU.BE "},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "M.Wagner@ostermann-erdbau.be"
    with tenant_scope(world.tenant):
        lead = Lead.objects.create(tenant=world.tenant, email="  K.Berg@Kiesel.DE ", source="api")
    assert lead.email == "K.Berg@kiesel.de"
