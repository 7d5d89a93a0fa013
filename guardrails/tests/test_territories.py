"""Territories and partner authorizations as the console and the API write them: areas normalised
and validated with messages naming the row, codes unique per tenant, all or nothing, every change
in the audit log, and stored decisions recomputed once the change commits."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from core.tenancy import tenant_scope
from guardrails.models import PartnerAuthorization, Territory, TerritoryArea
from guardrails.services import territories
from guardrails.services.territories import (
    archive_territory,
    delete_authorization,
    restore_territory,
    save_authorization,
    save_territory,
    validate_area,
)
from guardrails.tests.factories import (
    PartnerAuthorizationFactory,
    RouteRuleFactory,
    TerritoryAreaFactory,
    TerritoryFactory,
)
from tenancy.choices import PartnerStatus
from tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def recomputed(monkeypatch):
    """Tenants whose stored decisions were recomputed (after commit)."""
    calls: list = []
    task = SimpleNamespace(delay=lambda tenant_id: calls.append(Tenant.objects.get(pk=tenant_id)))
    monkeypatch.setattr(territories, "recompute_tenant", task)
    return calls


def messages_of(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- areas ---------------------------------------------------------------------------------------


def test_an_area_is_normalised():
    assert validate_area(" de ", "by", "80 3", "87 9") == {
        "country": "DE",
        "region": "DE-BY",
        "postal_from": "803",
        "postal_to": "879",
    }
    assert validate_area("gb", "", "sw1a 1aa", "") == {
        "country": "GB",
        "region": "",
        "postal_from": "SW1A1AA",
        "postal_to": "",
    }


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (("", "", "", ""), "country", "a country is required"),
        (("XX", "", "", ""), "country", "unknown country code 'XX'"),
        (("DEU", "", "", ""), "country", "unknown country code 'DEU'"),
        (("DE", "DE-XX", "", ""), "region", "unknown region 'DE-XX' for Germany"),
        (("DE", "FR-IDF", "", ""), "region", "unknown region 'FR-IDF' for Germany"),
        (("DE", "", "", "89"), "postal_from", "needs a start"),
        (("DE", "", "80", "899"), "postal_to", "bounds of the same length"),
        (("DE", "", "89", "80"), "postal_to", "ends before it starts"),
        (("DE", "", "80/1", ""), "postal_from", "only have letters, digits and hyphens"),
        (("DE", "", "1" * 21, ""), "postal_from", "longer than 20"),
        ((12, "", "", ""), "country", "must be text"),
    ],
)
def test_a_bad_area_is_refused_naming_the_field(args, field, message):
    with pytest.raises(ValidationError) as excinfo:
        validate_area(*args)
    assert message in messages_of(excinfo)[field][0]


# --- territories ---------------------------------------------------------------------------------


def test_a_territory_is_created_with_its_areas_audited_and_recomputed(
    world, recomputed, django_capture_on_commit_callbacks
):
    with tenant_scope(world.tenant), django_capture_on_commit_callbacks(execute=True):
        territory = save_territory(
            world.tenant,
            data={"code": " Bavaria ", "name": "Bavaria", "description": "South"},
            areas=[
                {"country": "de", "region": "by"},
                {"country": "AT", "postal_from": "60", "postal_to": "69"},
            ],
            acting=world.membership("admin"),
        )
    assert territory.code == "bavaria"
    areas = TerritoryArea.all_tenants.filter(territory=territory)
    assert sorted((a.country, a.region, a.postal_from, a.postal_to) for a in areas) == [
        ("AT", "", "60", "69"),
        ("DE", "DE-BY", "", ""),
    ]
    assert recomputed == [world.tenant]
    logged = AuditEvent.all_tenants.filter(tenant=world.tenant, object_type__icontains="territory")
    assert logged.filter(action="create").count() == 3


def test_the_background_recompute_runs_after_commit(world, django_capture_on_commit_callbacks):
    with tenant_scope(world.tenant), django_capture_on_commit_callbacks(execute=True) as hooks:
        save_territory(
            world.tenant,
            data={"code": "x", "name": "X"},
            areas=[{"country": "DE"}],
            acting=world.membership("admin"),
        )
    assert len(hooks) == 1  # the real task ran (eagerly) without error


def test_editing_keeps_unchanged_areas_and_replaces_the_others(world, recomputed):
    with tenant_scope(world.tenant):
        territory = save_territory(
            world.tenant,
            data={"code": "alps", "name": "Alps"},
            areas=[{"country": "AT"}, {"country": "CH"}],
            acting=world.membership("admin"),
        )
        kept = TerritoryArea.objects.get(territory=territory, country="AT")
        save_territory(
            world.tenant,
            data={"name": "The Alps"},
            areas=[{"country": "AT"}, {"country": "IT", "region": "IT-32"}],
            territory=territory,
            acting=world.membership("admin"),
        )
        territory.refresh_from_db()
        assert territory.name == "The Alps" and territory.code == "alps"
        rows = TerritoryArea.objects.filter(territory=territory)
        assert sorted(rows.values_list("country", "region")) == [("AT", ""), ("IT", "IT-32")]
        assert rows.filter(pk=kept.pk).exists()


def test_every_bad_area_is_named_by_its_row_and_nothing_is_written(world, recomputed):
    with tenant_scope(world.tenant):
        territory = save_territory(
            world.tenant,
            data={"code": "north", "name": "North"},
            areas=[{"country": "DK"}],
            acting=world.membership("admin"),
        )
        with pytest.raises(ValidationError) as excinfo:
            save_territory(
                world.tenant,
                data={"code": "north", "name": "Renamed"},
                areas=[
                    {"country": "SE"},
                    {"country": "DE", "region": "DE-XX"},
                    {"country": "ZZ"},
                    {"country": "se"},
                ],
                territory=territory,
                acting=world.membership("admin"),
            )
        problems = messages_of(excinfo)["areas"]
        assert problems == [
            "Area 2: unknown region 'DE-XX' for Germany",
            "Area 3: unknown country code 'ZZ' (use ISO 3166-1, e.g. DE)",
            "Area 4: repeats area 1",
        ]
        territory.refresh_from_db()
        assert territory.name == "North"
        assert list(TerritoryArea.objects.filter(territory=territory).values_list("country")) == [
            ("DK",)
        ]


@pytest.mark.parametrize(
    ("areas", "message"),
    [
        ([], "at least one area"),
        ("DE", "must be a list"),
        ([{"country": "DE", "city": "Munich"}], "Area 1: unknown field 'city'"),
        (["DE"], "Area 1: must be an object"),
    ],
)
def test_malformed_area_lists_are_refused(world, areas, message):
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as excinfo:
        save_territory(
            world.tenant,
            data={"code": "x", "name": "X"},
            areas=areas,
            acting=world.membership("admin"),
        )
    assert message in " ".join(messages_of(excinfo)["areas"])


def test_codes_are_unique_per_tenant_and_valid(world, recomputed):
    with tenant_scope(world.other_tenant):
        save_territory(
            world.other_tenant,
            data={"code": "west", "name": "W"},
            areas=[{"country": "FR"}],
            acting=world.membership("admin"),
        )
    with tenant_scope(world.tenant):
        save_territory(
            world.tenant,
            data={"code": "west", "name": "W"},
            areas=[{"country": "FR"}],
            acting=world.membership("admin"),
        )
        with pytest.raises(ValidationError) as excinfo:
            save_territory(
                world.tenant,
                data={"code": "WEST", "name": "W2"},
                areas=[{"country": "ES"}],
                acting=world.membership("admin"),
            )
        assert "already exists" in messages_of(excinfo)["code"][0]
        with pytest.raises(ValidationError) as excinfo:
            save_territory(
                world.tenant,
                data={"code": "no spaces", "name": ""},
                areas=[{"country": "ES"}],
                acting=world.membership("admin"),
            )
        errors = messages_of(excinfo)
        assert "letters, digits" in errors["code"][0] and "required" in errors["name"][0]
        assert Territory.objects.count() == 1


def test_a_code_named_by_a_live_rule_cannot_change(world, recomputed):
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=territory)
        RouteRuleFactory(
            version__rulebook__tenant=world.tenant,
            name="Bavaria parts",
            position=1,
            conditions=[{"field": "territory", "op": "in", "value": ["bavaria"]}],
        )
        with pytest.raises(ValidationError) as excinfo:
            save_territory(
                world.tenant,
                data={"code": "bayern"},
                areas=[{"country": "DE"}],
                territory=territory,
                acting=world.membership("admin"),
            )
        assert "rule 1 “Bavaria parts”" in messages_of(excinfo)["code"][0]
        # Other fields still change.
        save_territory(
            world.tenant,
            data={"name": "Bayern"},
            areas=[{"country": "DE"}],
            territory=territory,
            acting=world.membership("admin"),
        )


def test_another_tenants_territory_is_refused(world):
    with tenant_scope(world.other_tenant):
        foreign = TerritoryFactory(tenant=world.other_tenant)
    with tenant_scope(world.tenant), pytest.raises(ValidationError):
        save_territory(
            world.tenant,
            data={"name": "Mine"},
            areas=[{"country": "DE"}],
            territory=foreign,
            acting=world.membership("admin"),
        )


def test_archive_and_restore(world, recomputed, django_capture_on_commit_callbacks):
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant)
        with django_capture_on_commit_callbacks(execute=True):
            archive_territory(territory, acting=world.membership("admin"))
        assert Territory.objects.get(pk=territory.pk).archived_at is not None
        with django_capture_on_commit_callbacks(execute=True):
            archive_territory(
                territory, acting=world.membership("admin")
            )  # already archived: nothing happens
            restore_territory(territory, acting=world.membership("admin"))
        assert Territory.objects.get(pk=territory.pk).archived_at is None
    assert len(recomputed) == 2


# --- authorizations ----------------------------------------------------------------------------


@pytest.fixture
def bavaria(world):
    with tenant_scope(world.tenant):
        territory = TerritoryFactory(tenant=world.tenant, code="bavaria", name="Bavaria")
        TerritoryAreaFactory(territory=territory, region="DE-BY")
        return territory


def test_an_authorization_is_created_and_recomputed(
    world, bavaria, recomputed, django_capture_on_commit_callbacks
):
    with tenant_scope(world.tenant), django_capture_on_commit_callbacks(execute=True):
        auth = save_authorization(
            world.tenant,
            {
                "partner": world.partner.pk,
                "territory": str(bavaria.pk),
                "product_line": None,
                "valid_from": "2026-01-01",
                "valid_until": dt.date(2026, 12, 31),
            },
            acting=world.membership("admin"),
        )
    assert (auth.partner, auth.territory, auth.product_line) == (world.partner, bavaria, None)
    assert auth.valid_from == dt.date(2026, 1, 1)
    assert recomputed == [world.tenant]


def test_authorization_rules(world, bavaria, recomputed):
    with tenant_scope(world.tenant):
        archived = TerritoryFactory(
            tenant=world.tenant, name="Old", archived_at="2026-01-01T00:00Z"
        )
        world.other_partner.status = PartnerStatus.SUSPENDED
        world.other_partner.save()
        with pytest.raises(ValidationError) as excinfo:
            save_authorization(
                world.tenant,
                {
                    "partner": world.other_partner,
                    "territory": archived,
                    "valid_from": "2026-05-01",
                    "valid_until": "2026-04-01",
                },
                acting=world.membership("admin"),
            )
        errors = messages_of(excinfo)
        assert "is suspended" in errors["partner"][0]
        assert "“Old” is archived" in errors["territory"][0]
        assert "before the start date" in errors["valid_until"][0]

        with pytest.raises(ValidationError) as excinfo:
            save_authorization(
                world.tenant,
                {"partner": "abc", "territory": 99999999},
                acting=world.membership("admin"),
            )
        errors = messages_of(excinfo)
        assert "not a partner id" in errors["partner"][0]
        assert "no such territory" in errors["territory"][0]
        assert "start date is required" in errors["valid_from"][0]
        assert PartnerAuthorization.objects.count() == 0


def test_another_tenants_partner_or_line_cannot_be_authorized(world, bavaria):
    with tenant_scope(world.tenant), pytest.raises(ValidationError) as excinfo:
        save_authorization(
            world.tenant,
            {
                "partner": world.orgs["b_partner"],
                "territory": bavaria,
                "product_line": 123456789,
                "valid_from": "2026-01-01",
            },
            acting=world.membership("admin"),
        )
    errors = messages_of(excinfo)
    assert "no such partner" in errors["partner"][0]
    assert "no such product line" in errors["product_line"][0]


def test_overlapping_authorizations_are_refused_and_edits_keep_unsent_fields(
    world, bavaria, recomputed
):
    with tenant_scope(world.tenant):
        first = save_authorization(
            world.tenant,
            {"partner": world.partner, "territory": bavaria, "valid_from": "2026-01-01"},
            acting=world.membership("admin"),
        )
        with pytest.raises(ValidationError) as excinfo:
            save_authorization(
                world.tenant,
                {
                    "partner": world.partner,
                    "territory": bavaria,
                    "valid_from": "2025-01-01",
                    "valid_until": "2026-02-01",
                },
                acting=world.membership("admin"),
            )
        assert f"overlaps the authorization #{first.pk}" in messages_of(excinfo)["valid_from"][0]
        # Before the open-ended one starts: fine.
        save_authorization(
            world.tenant,
            {
                "partner": world.partner,
                "territory": bavaria,
                "valid_from": "2025-01-01",
                "valid_until": "2025-12-31",
            },
            acting=world.membership("admin"),
        )
        edited = save_authorization(
            world.tenant,
            {"valid_until": "2027-06-30"},
            authorization=first,
            acting=world.membership("admin"),
        )
        assert edited.valid_until == dt.date(2027, 6, 30) and edited.partner == world.partner


def test_deleting_an_authorization_is_audited_and_recomputed(
    world, bavaria, recomputed, django_capture_on_commit_callbacks
):
    with tenant_scope(world.tenant):
        auth = PartnerAuthorizationFactory(partner=world.partner, territory=bavaria)
        with django_capture_on_commit_callbacks(execute=True):
            delete_authorization(auth, acting=world.membership("admin"))
        assert not PartnerAuthorization.objects.exists()
    assert recomputed == [world.tenant]
    assert AuditEvent.all_tenants.filter(
        tenant=world.tenant, action="delete", object_type__icontains="authorization"
    ).exists()
