"""The console's MDF return and reallocation pages as a RevOps admin uses them: the table and
its CSV, a bad query named with 400; recommend, read the figures, accept (edited), reject; every
refusal a message, never a 500."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tenancy import tenant_scope
from mdf.choices import EntryKind, LineState
from mdf.models import LedgerEntry, Reallocation, ReallocationLine
from mdf.tests.factories import uneven_partners
from tenancy.quarters import Quarter

pytestmark = pytest.mark.django_db


def url(world, name: str, *args) -> str:
    return reverse(f"console:{name}", args=[world.tenant.slug, *args])


@pytest.fixture
def funded(world):
    """The rival: 1,000 paid, 10,000 won, asking 2,000 beyond its balance; the partner: 10,000
    unused and no request."""
    return uneven_partners(world)


def test_the_roi_table_and_its_csv(world, login_as, funded):
    admin = login_as("admin")
    page = admin.get(url(world, "mdf-roi") + "?by=campaign")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Harvest days" in text and "10.00" in text  # 10,000 won per 1,000 paid
    csv = admin.get(url(world, "mdf-roi-export") + "?by=partner&counted=paid")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Partner,Activities,Paid,Leads")
    assert "Rival Supply" in body and "\r\nAll," in body


@pytest.mark.parametrize(
    ("query", "named"),
    [("?by=region", "Breakdown"), ("?from=2026-Q9", "From quarter"), ("?counted=x", "Counted")],
)
def test_a_bad_query_is_named_with_400(world, login_as, query, named):
    admin = login_as("admin")
    for name in ("mdf-roi", "mdf-roi-export"):
        response = admin.get(url(world, name) + query)
        assert response.status_code == 400
        assert named in response.content.decode()


def test_recommend_accept_and_reject_from_the_pages(world, login_as, funded):
    admin = login_as("admin")
    quarter = Quarter.of(world.tenant, timezone.localdate()).code
    bad = admin.post(url(world, "mdf-reallocation-recommend"), {"quarter": "soon"}, follow=True)
    assert "is not a quarter" in bad.content.decode()
    made = admin.post(url(world, "mdf-reallocation-recommend"), {"quarter": quarter})
    with tenant_scope(world.tenant):
        realloc = Reallocation.objects.get()
        line = ReallocationLine.objects.get(reallocation=realloc)
    assert made["Location"] == url(world, "mdf-reallocation", realloc.pk)
    page = admin.get(made["Location"]).content.decode()
    assert "Rival Supply" in page and "no request this quarter" in page
    # A bad amount is a message; nothing moves.
    typo = admin.post(
        url(world, "mdf-reallocation-line-accept", line.pk), {"amount": "lots"}, follow=True
    )
    assert "is not an amount" in typo.content.decode()
    assert not LedgerEntry.all_tenants.filter(kind=EntryKind.REALLOCATED).exists()
    admin.post(url(world, "mdf-reallocation-line-accept", line.pk), {"amount": "1,200"})
    line.refresh_from_db()
    assert (line.state, line.amount) == (LineState.ACCEPTED, Decimal(1200))
    assert LedgerEntry.all_tenants.filter(line=line).count() == 2
    again = admin.post(
        url(world, "mdf-reallocation-line-reject", line.pk), {"note": "No"}, follow=True
    )
    assert "already accepted" in again.content.decode()


def test_a_rejection_needs_a_note_and_moves_nothing(world, login_as, funded):
    admin = login_as("admin")
    quarter = Quarter.of(world.tenant, timezone.localdate()).code
    admin.post(url(world, "mdf-reallocation-recommend"), {"quarter": quarter})
    line = ReallocationLine.all_tenants.get()
    silent = admin.post(
        url(world, "mdf-reallocation-line-reject", line.pk), {"note": ""}, follow=True
    )
    assert "Say why" in silent.content.decode()
    admin.post(url(world, "mdf-reallocation-line-reject", line.pk), {"note": "Wait a quarter"})
    line.refresh_from_db()
    assert line.state == LineState.REJECTED
    assert not LedgerEntry.all_tenants.filter(kind=EntryKind.REALLOCATED).exists()
