"""The console's deal-registration report and settings: the conflict rate on a small known set
(by partner, team, territory and fiscal quarter in the tenant's zone, as a page and as CSV), bad
query strings answered with the problem and 400, and the settings saved whole or not at all,
by RevOps admins only."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from core.tenancy import tenant_scope
from dealreg.choices import ConflictKind, RegState
from dealreg.models import (
    Adjudication,
    AdjudicationParty,
    DealRegistration,
    DealRegSettings,
    RegistrationConflict,
)
from dealreg.services.conflicts import TIE_BREAKS
from dealreg.services.reports import Breakdown, Period, conflict_rates, default_period
from dealreg.services.settings import SETTINGS_FIELDS, save_settings
from dealreg.services.state import settings_for
from dealreg.tests.helpers import draft
from guardrails.tests.factories import TerritoryAreaFactory, TerritoryFactory
from tenancy.tests.factories import TenantFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _url(world, name: str) -> str:
    return reverse(name, args=[world.tenant.slug])


def _submitted(world, persona: str, account, at: dt.datetime, **fields: Any) -> DealRegistration:
    registration = draft(world, persona, account, **fields)
    DealRegistration.all_tenants.filter(pk=registration.pk).update(
        state=RegState.SUBMITTED, submitted_at=at
    )
    registration.refresh_from_db()
    return registration


def _conflict(registration: DealRegistration) -> None:
    RegistrationConflict.all_tenants.create(
        tenant=registration.tenant,
        registration=registration,
        kind=ConflictKind.REGISTRATION,
        reason="Already registered by another route.",
        internal_reason="Registered by another partner.",
    )


def _adjudicated(registration: DealRegistration, *, after: dt.timedelta, prevails: bool) -> None:
    assert registration.submitted_at is not None and registration.end_customer is not None
    decision = Adjudication.all_tenants.create(
        tenant=registration.tenant,
        account=registration.end_customer,
        decision="award",
        reason="Earlier documented activity.",
        decided_at=registration.submitted_at + after,
    )
    AdjudicationParty.all_tenants.create(
        tenant=registration.tenant,
        adjudication=decision,
        registration=registration,
        share=100 if prevails else 0,
        prevails=prevails,
    )


@pytest.fixture
def known(world):
    """Five registrations submitted ten days ago, and three that must not count:

    | # | registrant        | customer in | conflict                        | adjudicated          |
    | 1 | partner (first)   | Munich      | a conflict row (flag cleared)   | won, after 4 days    |
    | 2 | rival partner     | Munich      | flagged                         | lost, after 2 days   |
    | 3 | partner (first)   | nowhere     | none                            | no                   |
    | 4 | rep, Direct North | Munich      | flagged                         | no                   |
    | 5 | rep, Direct South | nowhere     | none                            | no                   |
    """
    tenant = world.tenant
    munich = TerritoryFactory(tenant=tenant, code="munich", name="Munich area")
    TerritoryAreaFactory(territory=munich, country="DE", region="DE-BY", postal_from="80")
    mill = AccountFactory(tenant=tenant, name="Isar Mill", postal_code="80331")
    elsewhere = AccountFactory(tenant=tenant, name="Far Away", country="FR", region="")
    at = timezone.now() - 10 * DAY
    first = _submitted(world, "partner_rep", mill, at)
    rival = _submitted(world, "rival_partner_admin", mill, at, has_conflict=True)
    _submitted(world, "partner_admin", elsewhere, at)
    _submitted(world, "rep", mill, at, has_conflict=True)
    _submitted(world, "other_team_rep", elsewhere, at)
    with tenant_scope(tenant):
        _conflict(first)
        _adjudicated(first, after=4 * DAY, prevails=True)
        _adjudicated(rival, after=2 * DAY, prevails=False)
        draft(world, "rep", mill, has_conflict=True)  # never submitted
        _submitted(world, "rep", mill, timezone.now() - 800 * DAY, has_conflict=True)  # too old
    other = world.other_tenant
    with tenant_scope(other):
        DealRegistration.objects.create(
            tenant=other,
            title="Other tenant's claim",
            estimated_amount=Decimal(1),
            currency="EUR",
            route="direct",
            state=RegState.SUBMITTED,
            submitted_at=at,
            has_conflict=True,
        )
    return world


def _table(report) -> dict[str, tuple]:
    return {
        row.label: (
            row.submitted,
            row.conflicted,
            row.rate,
            row.adjudicated,
            row.for_registrant,
            row.median_days,
        )
        for row in [*report.rows, report.total]
    }


def _report(world, by: str):
    tenant = world.tenant
    with tenant_scope(tenant):
        period = default_period(tenant, timezone.localdate(timezone=tenant.zone))
        return conflict_rates(world.membership("admin"), by=by, period=period)


def test_the_conflict_rate_by_partner_counts_the_known_set(known):
    table = _table(_report(known, Breakdown.PARTNER))
    assert table == {
        known.partner.name: (2, 1, Decimal("50.0"), 1, 1, Decimal("4.0")),
        known.other_partner.name: (1, 1, Decimal("100.0"), 1, 0, Decimal("2.0")),
        "Direct route (no partner)": (2, 1, Decimal("50.0"), 0, 0, None),
        "All": (5, 3, Decimal("60.0"), 2, 1, Decimal("3.0")),
    }


def test_the_conflict_rate_by_team_and_by_territory(known):
    assert _table(_report(known, Breakdown.TEAM)) == {
        "Partner route (no team)": (3, 2, Decimal("66.7"), 2, 1, Decimal("3.0")),
        "Direct North": (1, 1, Decimal("100.0"), 0, 0, None),
        "Direct South": (1, 0, Decimal("0.0"), 0, 0, None),
        "All": (5, 3, Decimal("60.0"), 2, 1, Decimal("3.0")),
    }
    assert _table(_report(known, Breakdown.TERRITORY)) == {
        "Munich area": (3, 3, Decimal("100.0"), 2, 1, Decimal("3.0")),
        "No territory": (2, 0, Decimal("0.0"), 0, 0, None),
        "All": (5, 3, Decimal("60.0"), 2, 1, Decimal("3.0")),
    }


def test_a_report_costs_the_same_few_queries_however_many_registrations(known):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin, tenant = known.membership("admin"), known.tenant
    assert admin.tenant == tenant  # loaded once, before counting
    period = default_period(tenant, timezone.localdate(timezone=tenant.zone))

    def queries() -> int:
        with tenant_scope(tenant), CaptureQueriesContext(connection) as done:
            for by in Breakdown.values:
                conflict_rates(admin, by=by, period=period)
        return len(done)

    few = queries()
    # Per report: the counts and the decision times; by territory also its areas and names.
    assert few == 2 * len(Breakdown.values) + 2
    for persona in ("partner_rep", "rep", "rival_partner_admin"):
        _submitted(known, persona, AccountFactory(tenant=tenant), timezone.now() - DAY)
    assert queries() == few


def test_quarters_are_the_tenants_fiscal_quarters_in_its_time_zone(world):
    """Fiscal years from February, in Berlin: 23:30 on 31 January is the quarter Nov to Jan;
    half an hour later (still January in UTC) it is Feb to Apr."""
    tenant = world.tenant
    tenant.timezone, tenant.fiscal_year_start_month = "Europe/Berlin", 2
    tenant.save()
    berlin = tenant.zone
    account = AccountFactory(tenant=tenant)
    late = dt.datetime(2026, 1, 31, 23, 30, tzinfo=berlin)
    _submitted(world, "partner_rep", account, late, has_conflict=True)
    _submitted(world, "rep", account, late + dt.timedelta(hours=1))
    with tenant_scope(tenant):
        report = conflict_rates(
            world.membership("admin"),
            by=Breakdown.QUARTER,
            period=Period(dt.date(2025, 11, 1), dt.date(2026, 7, 31)),
        )
    assert [(r.label, r.submitted, r.conflicted, r.rate) for r in report.rows] == [
        ("Nov 2025–Jan 2026", 1, 1, Decimal("100.0")),
        ("Feb–Apr 2026", 1, 0, Decimal("0.0")),
        ("May–Jul 2026", 0, 0, None),  # every quarter of the period, the empty ones too
    ]


def test_the_default_period_is_the_last_four_fiscal_quarters():
    tenant = TenantFactory.build(fiscal_year_start_month=1)
    assert default_period(tenant, dt.date(2026, 5, 10)) == Period(
        dt.date(2025, 7, 1), dt.date(2026, 6, 30)
    )
    tenant.fiscal_year_start_month = 11
    assert default_period(tenant, dt.date(2026, 1, 15)) == Period(
        dt.date(2025, 2, 1), dt.date(2026, 1, 31)
    )


def test_the_report_page_shows_the_table_and_downloads_it_as_csv(known, login_as):
    admin = login_as("admin")
    page = admin.get(_url(known, "console:dealreg-conflict-rate"))
    body = page.content.decode()
    assert page.status_code == 200
    assert known.partner.name in body and "Direct route (no partner)" in body
    assert "60.0&nbsp;%" in body and 'data-testid="rate-total"' in body

    known.other_partner.name = "=HYPERLINK(evil)"
    known.other_partner.save()
    download = admin.get(_url(known, "console:dealreg-conflict-rate-export") + "?by=partner")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode().lstrip("\ufeff"))))
    assert rows[0] == [
        "Partner",
        "Submitted",
        "With conflict",
        "Conflict rate %",
        "Adjudicated",
        "Decided for the registrant",
        "Median days to decision",
    ]
    assert ["'=HYPERLINK(evil)", "1", "1", "100.0", "1", "0", "2.0"] in rows
    assert rows[-1] == ["All", "5", "3", "60.0", "2", "1", "3.0"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?by=colour", "Break down by"),
        ("?start=2026-13-01", "Submitted from"),
        ("?start=2026-06-01&end=2026-01-01", "Submitted until"),
        ("?start=2001-01-01&end=2026-01-01", "Submitted until"),
    ],
)
def test_a_bad_query_string_is_named_on_the_page_with_400(world, login_as, query, named):
    admin = login_as("admin")
    for name in ("console:dealreg-conflict-rate", "console:dealreg-conflict-rate-export"):
        response = admin.get(_url(world, name) + query)
        assert response.status_code == 400, (name, query)
        body = response.content.decode()
        assert 'data-testid="query-errors"' in body and f"<b>{named}</b>" in body
        assert 'data-testid="conflict-rate"' not in body


# --- settings -----------------------------------------------------------------------------------


def _form(**changes: Any) -> dict[str, Any]:
    """A whole settings form as the page posts it: two steps and the empty "add" row."""
    data: dict[str, Any] = {
        "rejection_reasons": "Not eligible\nDuplicate registration",
        "split_options": "70/30\n50/50",
        "review_hours": "16",
        "answer_days": "5",
        "idle_days": "30",
        "touch_window_days": "60",
        "resubmission_cap": "2",
        "reminder_days": "14, 3",
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "2",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
        "steps-0-name": "Channel review",
        "steps-0-condition": "always",
        "steps-0-role": "revops_admin",
        "steps-0-hours": "16",
        "steps-1-name": "Second approver",
        "steps-1-condition": "amount_above",
        "steps-1-threshold": "250000",
        "steps-1-role": "revops_admin",
        "steps-1-hours": "8",
    }
    data.update(changes)
    return data


def _saved(world) -> dict[str, Any]:
    row = DealRegSettings.all_tenants.get(tenant=world.tenant)
    return {name: getattr(row, name) for name in SETTINGS_FIELDS}


def test_the_settings_page_shows_every_setting_and_the_written_tie_breaks(world, login_as):
    with tenant_scope(world.tenant):
        settings_for(world.tenant)
    page = login_as("admin").get(_url(world, "console:dealreg-settings"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Insufficient evidence of an opportunity" in body  # a default reason
    assert "70/30" in body and 'value="Second approver"' in body and 'value="250000"' in body
    assert body.count('data-testid="step-row"') == 4  # three steps and the empty "add" row
    for rule, meaning in TIE_BREAKS:
        assert rule.replace("'", "&#x27;") in body and meaning.split(",")[0] in body


def test_an_admin_saves_the_settings_and_adds_a_step(world, login_as):
    with tenant_scope(world.tenant):
        settings_for(world.tenant)
    form = _form(
        idle_days="45",
        split_options="60 / 40",
        **{
            "steps-2-name": "Pricing",
            "steps-2-condition": "discount_outside",
            "steps-2-role": "direct_manager",
            "steps-2-hours": "24",
        },
    )
    response = login_as("admin").post(_url(world, "console:dealreg-settings"), form)
    assert response.status_code == 302
    saved = _saved(world)
    assert saved["idle_days"] == 45 and saved["split_options"] == [[60, 40]]
    assert saved["rejection_reasons"] == ["Not eligible", "Duplicate registration"]
    assert saved["reminder_days"] == [14, 3]
    assert saved["approval_steps"] == [
        {"name": "Channel review", "condition": "always", "role": "revops_admin", "hours": 16},
        {
            "name": "Second approver",
            "condition": "amount_above",
            "threshold": "250000",
            "role": "revops_admin",
            "hours": 8,
        },
        {"name": "Pricing", "condition": "discount_outside", "role": "direct_manager", "hours": 24},
    ]

    # Removing a step: tick Remove.
    form = _form(**{"steps-0-DELETE": "on"})
    assert login_as("admin").post(_url(world, "console:dealreg-settings"), form).status_code == 302
    assert [s["name"] for s in _saved(world)["approval_steps"]] == ["Second approver"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"idle_days": "0"}, "id_idle_days", "greater than or equal to 1"),
        ({"review_hours": "many"}, "id_review_hours", "Enter a whole number"),
        ({"split_options": "70/20"}, "id_split_options", "adding up to 100"),
        ({"split_options": "seventy-thirty"}, "id_split_options", "line 1 (seventy-thirty)"),
        ({"reminder_days": "14, soon"}, "id_reminder_days", "Whole days"),
        ({"rejection_reasons": "  \n "}, "id_rejection_reasons", "required"),
        ({"steps-1-hours": "0"}, "steps", "Step 2: hours between 1 and 1440."),
        ({"steps-1-threshold": ""}, "steps", "Step 2: a threshold amount of 0 or more."),
        ({"steps-TOTAL_FORMS": "500"}, "steps", "at most 20"),
    ],
)
def test_a_bad_value_is_named_next_to_its_field_and_nothing_is_saved(
    world, login_as, changes, field, message
):
    with tenant_scope(world.tenant):
        settings_for(world.tenant)
    before = _saved(world)
    # A valid change rides along: it must not be saved either.
    form = _form(idle_days="45", **changes) if "idle_days" not in changes else _form(**changes)
    response = login_as("admin").post(_url(world, "console:dealreg-settings"), form)
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="not-saved"' in body and message in body
    if field == "steps":
        error = body.split('data-testid="steps-error"', 1)[1]
        assert message in error.split("</div>", 1)[0]
    else:  # the message sits in the field's own box, after its input
        box = body.split(f'id="{field}"', 1)[1].split('<div class="field', 1)[1]
        assert box.startswith('-error"') and message in box.split("</div>", 1)[0]
    assert _saved(world) == before


def test_only_revops_admins_save_the_settings(world, login_as):
    with tenant_scope(world.tenant):
        settings_for(world.tenant)
    before = _saved(world)
    # The console admits RevOps admins only; a sales manager is refused at its door.
    response = login_as("manager").post(_url(world, "console:dealreg-settings"), _form())
    assert response.status_code == 403
    assert _saved(world) == before
    # ... and the service refuses anyone but an admin, whatever the way in.
    with tenant_scope(world.tenant), pytest.raises(PermissionDenied):
        save_settings(world.tenant, {"idle_days": 45}, acting=world.membership("manager"))
    assert _saved(world) == before
