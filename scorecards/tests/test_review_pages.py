"""The governance review's pages and exports in every door (docs/governance.md, "Pages and
exports"), on reviews whose `data` is built by `review_data` (the engine's sections are tested
on their own): RevOps opens, prepares, reads, decides and signs off in the console; partner
admins and direct managers read their own extract of a signed-off review, never another
party's; everyone owning a decision closes it from "My review decisions"; a frozen review refuses
changes with a message, never a 500; the PDFs are real PDFs."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tenancy import tenant_scope
from scorecards.choices import DecisionKind, DecisionStatus, JobStatus, ReviewStatus
from scorecards.models import GovernanceReview, ReviewDecision
from scorecards.review.workspace import decision_row
from scorecards.tests.review_data import opened_review, review_data
from tenancy.models import Membership
from tests.pdftext import pdf_text
from tests.world import FIRST_PARTNER_MARK, OTHER_PARTNER_MARK, OTHER_TENANT_MARK

pytestmark = pytest.mark.django_db


def url(door: str, name: str, world: Any, *args: Any) -> str:
    return reverse(f"{door}:{name}", args=[world.tenant.slug, *args])


def data_of(world: Any, items: int = 5) -> dict[str, Any]:
    partners = [(p.pk, p.name, p.tier) for p in (world.partner, world.orgs["other_partner"])]
    teams = [(t.pk, t.name) for t in (world.orgs["team"], world.orgs["other_team"])]
    return review_data(partners=partners, teams=teams, items=items)


def membership(world: Any, persona: str) -> Membership:
    with tenant_scope(world.tenant):
        return Membership.objects.get(user=world.users[persona])


def decision(world: Any, review: GovernanceReview, persona: str, **fields: Any) -> ReviewDecision:
    with tenant_scope(world.tenant):
        return ReviewDecision.objects.create(
            tenant=world.tenant,
            review=review,
            title=fields.pop("title", "Check the overlap rules"),
            owner=membership(world, persona),
            due_on=dt.date(2026, 11, 30),
            **fields,
        )


def signed(world: Any, **kwargs: Any) -> GovernanceReview:
    """A signed-off review with a decision for each partner and each team, frozen."""
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world), **kwargs)
    rows = []
    for org, field, title in (
        (world.partner, "partner", f"Co-sell plan {FIRST_PARTNER_MARK}"),
        (world.orgs["other_partner"], "partner", f"Fund cut {OTHER_PARTNER_MARK}"),
        (world.orgs["team"], "team", "North team follow-up"),
        (world.orgs["other_team"], "team", "South team follow-up"),
    ):
        made = decision(world, review, "admin", title=title, **{field: org})
        with tenant_scope(world.tenant):
            rows.append(decision_row(made, review))
    with tenant_scope(world.tenant):
        review.status = ReviewStatus.SIGNED_OFF
        review.signed_off_at = dt.datetime(2026, 10, 20, 9, tzinfo=dt.UTC)
        review.decisions_at_sign_off = rows
        review.save()
    return review


def pages_of(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", content))


# --- the console ------------------------------------------------------------------------------


def test_the_list_offers_the_quarter_just_ended_and_opens_a_review(world, login_as):
    admin = login_as("admin")
    page = admin.get(url("console", "governance-reviews", world))
    assert page.status_code == 200
    assert 'name="quarter" value="' in page.content.decode()
    response = admin.post(url("console", "governance-review-open", world), {"quarter": "2026-Q3"})
    with tenant_scope(world.tenant):
        review = GovernanceReview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("console", "governance-review", world, review.pk)
    listed = admin.get(url("console", "governance-reviews", world)).content.decode()
    assert "2026-Q3" in listed and "Not yet" in listed  # neither prepared nor signed off


def test_a_bad_quarter_is_said_not_a_500(world, login_as):
    admin = login_as("admin")
    response = admin.post(
        url("console", "governance-review-open", world), {"quarter": "Q9"}, follow=True
    )
    assert response.status_code == 200
    assert "error" in response.content.decode()
    with tenant_scope(world.tenant):
        assert not GovernanceReview.objects.exists()


def test_the_workspace_shows_every_section_with_charts_and_record_links(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    decision(world, review, "manager", title="Revisit the lead SLA", team=world.orgs["team"])
    body = (
        login_as("admin")
        .get(url("console", "governance-review", world, review.pk))
        .content.decode()
    )
    for key in (
        "headline",
        "parties",
        "overlap",
        "conflicts",
        "sla",
        "rules",
        "target-lists",
        "mdf",
    ):
        assert f'data-testid="section-{key}"' in body, key
    assert 'data-testid="chart-review-headline"' in body
    assert 'data-testid="chart-review-sla"' in body
    assert world.partner.name in body and world.orgs["other_partner"].name in body
    assert "record-suggestion" in body and "record-line" in body and "record-overlap" in body
    assert "Revisit the lead SLA" in body
    assert 'data-testid="sign-off-form"' in body


def test_a_carried_decision_is_marked(world, login_as):
    with tenant_scope(world.tenant):
        earlier = opened_review(world.tenant, data_of(world), quarter_start=dt.date(2026, 4, 1))
        review = opened_review(world.tenant, data_of(world))
    decision(world, earlier, "admin", title="Carried from Q2")
    body = (
        login_as("admin")
        .get(url("console", "governance-review", world, review.pk))
        .content.decode()
    )
    assert "Carried from Q2" in body and 'data-testid="carried"' in body


def test_an_open_decision_past_its_due_date_is_marked_overdue(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    today = timezone.localdate()
    late = decision(world, review, "manager", title="Late one")
    later = decision(world, review, "manager", title="Later one")
    with tenant_scope(world.tenant):
        ReviewDecision.objects.filter(pk=late.pk).update(due_on=today - dt.timedelta(days=1))
        ReviewDecision.objects.filter(pk=later.pk).update(due_on=today + dt.timedelta(days=9))
    admin = login_as("admin")
    body = admin.get(url("console", "governance-review", world, review.pk)).content.decode()
    assert body.count('data-testid="overdue"') == 1
    mine = login_as("manager").get(url("sales", "governance-decisions", world)).content.decode()
    assert mine.count('data-testid="overdue"') == 1


def test_preparing_shows_the_progress_and_the_json_progress(world, login_as):
    admin = login_as("admin")
    with tenant_scope(world.tenant):
        review = GovernanceReview.objects.create(
            tenant=world.tenant, quarter_start=dt.date(2026, 7, 1)
        )
    page = admin.get(url("console", "governance-review", world, review.pk)).content.decode()
    assert 'data-testid="no-data"' in page and 'data-testid="prepare"' in page
    assert (
        admin.post(url("console", "governance-review-prepare", world, review.pk)).status_code == 302
    )
    with tenant_scope(world.tenant):
        review.refresh_from_db()
    assert review.job_status == JobStatus.QUEUED
    page = admin.get(url("console", "governance-review", world, review.pk)).content.decode()
    assert 'role="progressbar"' in page and f"governance-reviews/{review.pk}/progress/" in page
    assert 'data-testid="prepare"' not in page  # not twice while it runs
    progress = admin.get(url("console", "governance-review-progress", world, review.pk)).json()
    assert progress["status"] == "queued" and progress["percent"] == 0
    with tenant_scope(world.tenant):
        GovernanceReview.objects.filter(pk=review.pk).update(
            job_status=JobStatus.RUNNING, job_done=300, job_total=800, job_step="Gathering overlap"
        )
    progress = admin.get(url("console", "governance-review-progress", world, review.pk)).json()
    assert progress == {
        "status": "running",
        "step": "Gathering overlap",
        "done": 300,
        "total": 800,
        "percent": 37,
        "error": "",
    }


def test_recording_a_decision_prefilled_from_a_suggestion(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    admin = login_as("admin")
    new = url("console", "governance-decision-new", world, review.pk)
    form = admin.get(
        new + f"?kind=mdf_move&title=Move+funds&line=700&partner={world.partner.pk}&source=mdf:700"
    )
    body = form.content.decode()
    assert form.status_code == 200
    assert 'value="Move funds"' in body and "line 700" in body
    assert f'<option value="{world.partner.pk}" selected>' in body
    owner = membership(world, "manager")
    response = admin.post(
        new,
        {
            "kind": "general",
            "title": "Review the North team's SLA",
            "detail": "",
            "owner": owner.pk,
            "due_on": "2026-11-30",
            "partner": "",
            "team": world.orgs["team"].pk,
            "payload": "{}",
            "source": "sla:team",
        },
    )
    assert response.status_code == 302
    with tenant_scope(world.tenant):
        made = ReviewDecision.objects.get()
    assert (made.title, made.owner_id, made.team_id, made.source) == (
        "Review the North team's SLA",
        owner.pk,
        world.orgs["team"].pk,
        "sla:team",
    )


def test_a_decision_without_owner_or_with_a_bad_payload_is_refused_on_its_field(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    admin = login_as("admin")
    new = url("console", "governance-decision-new", world, review.pk)
    response = admin.post(
        new, {"kind": "general", "title": "No owner", "due_on": "2026-11-30", "payload": "{}"}
    )
    assert response.status_code == 200 and "not-saved" in response.content.decode()
    response = admin.post(
        new,
        {
            "kind": "target_add",
            "title": "Add it",
            "owner": membership(world, "admin").pk,
            "due_on": "2026-11-30",
            "payload": '{"target_list": 999999, "account": 1}',
        },
    )
    assert response.status_code == 200
    assert "no such target list" in response.content.decode()
    with tenant_scope(world.tenant):
        assert not ReviewDecision.objects.exists()


def test_edit_close_apply_and_delete_from_the_workspace(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    made = decision(world, review, "admin", title="First wording")
    admin = login_as("admin")
    edit = url("console", "governance-decision-edit", world, made.pk)
    assert admin.get(edit).status_code == 200
    response = admin.post(
        edit,
        {
            "kind": "general",
            "title": "Second wording",
            "owner": made.owner_id,
            "due_on": "2026-12-15",
            "payload": "{}",
        },
    )
    assert response.status_code == 302
    refused = admin.post(url("console", "governance-decision-apply", world, made.pk), follow=True)
    assert refused.status_code == 200 and "not applied here" in refused.content.decode()
    closed = admin.post(
        url("console", "governance-decision-close", world, made.pk),
        {"status": "dropped", "outcome": ""},
        follow=True,
    )
    assert "Say why the decision is dropped." in closed.content.decode()
    admin.post(
        url("console", "governance-decision-close", world, made.pk),
        {"status": "done", "outcome": "Done."},
    )
    with tenant_scope(world.tenant):
        made.refresh_from_db()
        assert (made.title, made.due_on, made.status) == (
            "Second wording",
            dt.date(2026, 12, 15),
            DecisionStatus.DONE,
        )
    other = decision(world, review, "admin", title="Recorded by mistake")
    admin.post(url("console", "governance-decision-delete", world, other.pk))
    with tenant_scope(world.tenant):
        assert not ReviewDecision.objects.filter(pk=other.pk).exists()


def test_sign_off_with_a_note_freezes_the_review(world, login_as):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    made = decision(world, review, "admin", title="Frozen with it")
    admin = login_as("admin")
    response = admin.post(
        url("console", "governance-review-sign-off", world, review.pk),
        {"note": "Agreed <b>today</b>"},
        follow=True,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Signed off" in body
    assert "Agreed &lt;b&gt;today&lt;/b&gt;" in body
    assert 'data-testid="sign-off-form"' not in body and "record-suggestion" not in body
    with tenant_scope(world.tenant):
        review.refresh_from_db()
    assert review.is_frozen and review.decisions_at_sign_off[0]["title"] == "Frozen with it"
    # The frozen review refuses new decisions, a second sign-off and a new preparation: a message.
    for name, data in (
        (
            "governance-decision-new",
            {
                "kind": "general",
                "title": "Late",
                "owner": made.owner_id,
                "due_on": "2026-12-01",
                "payload": "{}",
            },
        ),
        ("governance-review-sign-off", {"note": "again"}),
        ("governance-review-prepare", {}),
    ):
        response = admin.post(url("console", name, world, review.pk), data, follow=True)
        assert response.status_code == 200, name
        assert "signed off" in response.content.decode(), name
    assert admin.get(url("console", "governance-decision-new", world, review.pk)).status_code == 302
    # A closed decision of the frozen review cannot be edited or deleted: a message, no change.
    with tenant_scope(world.tenant):
        ReviewDecision.objects.filter(pk=made.pk).update(status=DecisionStatus.DONE)
    response = admin.post(
        url("console", "governance-decision-edit", world, made.pk),
        {
            "kind": "general",
            "title": "Rewritten",
            "owner": made.owner_id,
            "due_on": "2026-12-01",
            "payload": "{}",
        },
    )
    assert response.status_code == 200 and "frozen" in response.content.decode()
    response = admin.post(url("console", "governance-decision-delete", world, made.pk), follow=True)
    assert response.status_code == 200 and "frozen" in response.content.decode()
    with tenant_scope(world.tenant):
        assert ReviewDecision.objects.get(pk=made.pk).title == "Frozen with it"


def test_the_pages_show_the_data_never_live_figures(world, login_as):
    review = signed(world)
    with tenant_scope(world.tenant):
        world.partner.name = "Renamed Live Partner"
        world.partner.save()
    body = (
        login_as("admin")
        .get(url("console", "governance-review", world, review.pk))
        .content.decode()
    )
    assert "Renamed Live Partner" not in body and FIRST_PARTNER_MARK in body


def test_the_html_export_and_the_pdf_pack(world, login_as):
    review = signed(world)
    admin = login_as("admin")
    page = admin.get(url("console", "governance-review-export", world, review.pk))
    body = page.content.decode()
    assert page.status_code == 200 and 'data-testid="review-export"' in body
    assert "<nav" not in body and world.orgs["other_partner"].name in body
    assert "Times in" in body
    pdf = admin.get(url("console", "governance-review-pdf", world, review.pk))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pages_of(pdf.content) >= 3
    assert FIRST_PARTNER_MARK in pdf_text(pdf.content)


def test_the_pdf_prints_typed_markup_as_text(world):
    from scorecards.review import pdf

    data = review_data(
        partners=[(1, "A&B <Tools> </para>", "gold"), (2, "C <b>", "silver")], teams=[], items=3
    )
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data)
    content = pdf.review_pdf(review, [{"title": "<i>odd", "owner": "x&y"}], tenant_name="T & <T>")
    assert content.startswith(b"%PDF") and pages_of(content) >= 2


def test_a_review_without_data_has_no_pdf_yet(world, login_as):
    with tenant_scope(world.tenant):
        review = GovernanceReview.objects.create(
            tenant=world.tenant, quarter_start=dt.date(2026, 7, 1)
        )
    response = login_as("admin").get(
        url("console", "governance-review-pdf", world, review.pk), follow=True
    )
    assert response.status_code == 200 and "Prepare the review first" in response.content.decode()


def test_the_extract_preview_shows_one_partner_only(world, login_as):
    review = signed(world)
    body = (
        login_as("admin")
        .get(
            url(
                "console",
                "governance-review-extract",
                world,
                review.pk,
                "partner",
                world.partner.pk,
            )
        )
        .content.decode()
    )
    assert FIRST_PARTNER_MARK in body and OTHER_PARTNER_MARK not in body
    team = (
        login_as("admin")
        .get(
            url(
                "console",
                "governance-review-extract",
                world,
                review.pk,
                "team",
                world.orgs["team"].pk,
            )
        )
        .content.decode()
    )
    assert "North team follow-up" in team and "South team follow-up" not in team
    assert (
        login_as("admin")
        .get(url("console", "governance-review-extract", world, review.pk, "nobody", 1))
        .status_code
        == 404
    )


# --- the portal and the sales door ---------------------------------------------------------------


def test_a_partner_admin_reads_only_their_extract_of_signed_off_reviews(world, login_as):
    review = signed(world)
    with tenant_scope(world.tenant):
        unsigned = opened_review(world.tenant, data_of(world), quarter_start=dt.date(2026, 10, 1))
    client = login_as("partner_admin")
    listed = client.get(url("portal", "governance-reviews", world)).content.decode()
    assert url("portal", "governance-review", world, review.pk) in listed
    assert url("portal", "governance-review", world, unsigned.pk) not in listed
    assert client.get(url("portal", "governance-review", world, unsigned.pk)).status_code == 404
    page = client.get(url("portal", "governance-review", world, review.pk))
    body = page.content.decode()
    assert page.status_code == 200 and FIRST_PARTNER_MARK in body
    assert f"Co-sell plan {FIRST_PARTNER_MARK}" in body
    for mark in (OTHER_PARTNER_MARK, "North team follow-up", "Direct North", OTHER_TENANT_MARK):
        assert mark not in body, mark
    pdf = client.get(url("portal", "governance-review-pdf", world, review.pk))
    assert pdf.content.startswith(b"%PDF") and pages_of(pdf.content) == 1
    assert FIRST_PARTNER_MARK in pdf_text(pdf.content)
    assert OTHER_PARTNER_MARK not in pdf_text(pdf.content)


def test_the_rival_partner_gets_its_own_extract(world, login_as):
    review = signed(world)
    client = login_as("rival_partner_admin")
    body = client.get(url("portal", "governance-review", world, review.pk)).content.decode()
    assert OTHER_PARTNER_MARK in body and FIRST_PARTNER_MARK not in body
    pdf = pdf_text(client.get(url("portal", "governance-review-pdf", world, review.pk)).content)
    assert OTHER_PARTNER_MARK in pdf and FIRST_PARTNER_MARK not in pdf


def test_partner_reps_and_direct_reps_get_no_extract(world, login_as):
    review = signed(world)
    for door, persona in (("portal", "partner_rep"), ("sales", "rep")):
        client = login_as(persona)
        listed = client.get(url(door, "governance-reviews", world))
        who = "Your partner's admins" if door == "portal" else "Your team's manager"
        assert listed.status_code == 200 and who in listed.content.decode()
        assert client.get(url(door, "governance-review", world, review.pk)).status_code == 404
        assert client.get(url(door, "governance-review-pdf", world, review.pk)).status_code == 404


def test_a_direct_manager_reads_their_teams_extract(world, login_as):
    review = signed(world)
    client = login_as("manager")
    body = client.get(url("sales", "governance-review", world, review.pk)).content.decode()
    assert "North team follow-up" in body and "South team follow-up" not in body
    pdf = client.get(url("sales", "governance-review-pdf", world, review.pk))
    assert pdf.content.startswith(b"%PDF") and pages_of(pdf.content) == 1


def test_an_admin_in_the_sales_door_is_sent_to_the_console(world, login_as):
    review = signed(world)
    body = (
        login_as("admin").get(url("sales", "governance-review", world, review.pk)).content.decode()
    )
    assert url("console", "governance-review", world, review.pk) in body


# --- my review decisions, every door ------------------------------------------------------------


@pytest.mark.parametrize(
    "door,persona", [("console", "admin"), ("portal", "partner_admin"), ("sales", "rep")]
)
def test_my_review_decisions_lists_mine_open_first_and_closes_them(world, login_as, door, persona):
    with tenant_scope(world.tenant):
        review = opened_review(world.tenant, data_of(world))
    done = decision(world, review, persona, title="Already done", status=DecisionStatus.DONE)
    later = decision(world, review, persona, title="Due later")
    sooner = decision(world, review, persona, title="Due sooner")
    with tenant_scope(world.tenant):
        ReviewDecision.objects.filter(pk=later.pk).update(due_on=dt.date(2026, 12, 31))
        ReviewDecision.objects.filter(pk=sooner.pk).update(due_on=dt.date(2026, 10, 31))
    decision(world, review, "manager" if persona != "manager" else "admin", title="Someone else's")
    client = login_as(persona)
    body = client.get(url(door, "governance-decisions", world)).content.decode()
    assert body.index("Due sooner") < body.index("Due later") < body.index("Already done")
    assert "Someone else's" not in body
    response = client.post(
        url(door, "governance-decision-close", world, sooner.pk),
        {"status": "done", "outcome": "Sent."},
        follow=True,
    )
    assert response.status_code == 200 and "Decision closed" in response.content.decode()
    with tenant_scope(world.tenant):
        assert ReviewDecision.objects.get(pk=sooner.pk).status == DecisionStatus.DONE
    assert done.kind == DecisionKind.GENERAL


def test_an_admin_in_the_sales_door_gets_the_whole_pack(world, login_as):
    review = signed(world)
    pdf = login_as("admin").get(url("sales", "governance-review-pdf", world, review.pk))
    assert pdf.content.startswith(b"%PDF") and pages_of(pdf.content) >= 3
    text = pdf_text(pdf.content)
    assert OTHER_PARTNER_MARK in text and FIRST_PARTNER_MARK in text


def test_a_suggestion_recorded_from_its_link_and_applied_adds_the_account(world, login_as):
    """The workspace's "Record a decision" link of a target-list suggestion carries what applying
    acts on; applying it adds the account to the list through accounts' service."""
    from accounts.models import TargetList, TargetListMember

    account = world.customers["other_team"]
    with tenant_scope(world.tenant):
        target = TargetList.objects.get(name__startswith="ABM North")
        data = data_of(world)
        data["sections"]["target_lists"]["lists"] = [
            {
                "id": target.pk,
                "name": target.name,
                "members": 1,
                "suggestions": [
                    {
                        "action": "add",
                        "account_id": account.pk,
                        "account": account.name,
                        "reason": "fit",
                        "why": "Fits the list: 3 touches this quarter.",
                    }
                ],
            }
        ]
        review = opened_review(world.tenant, data)
    admin = login_as("admin")
    workspace = admin.get(url("console", "governance-review", world, review.pk)).content.decode()
    link = re.search(r'href="([^"]+)" data-testid="record-suggestion"', workspace)
    assert link is not None
    form = admin.get(html.unescape(link.group(1)))
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["kind"] == DecisionKind.TARGET_ADD
    assert initial["payload"] == {"target_list": target.pk, "account": account.pk, "reason": "fit"}
    response = admin.post(
        html.unescape(link.group(1)),
        {
            "kind": "target_add",
            "title": initial["title"],
            "detail": initial.get("detail", ""),
            "owner": membership(world, "admin").pk,
            "due_on": "2026-12-01",
            "payload": json.dumps(initial["payload"]),
            "source": initial["source"],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with tenant_scope(world.tenant):
        made = ReviewDecision.objects.get()
    applied = admin.post(url("console", "governance-decision-apply", world, made.pk), follow=True)
    assert "Applied: Added" in applied.content.decode()
    with tenant_scope(world.tenant):
        assert TargetListMember.objects.filter(target_list=target, account=account).exists()
        made.refresh_from_db()
    assert made.applied_at is not None and made.status == DecisionStatus.DONE
    again = admin.post(url("console", "governance-decision-apply", world, made.pk), follow=True)
    assert "applied already" in again.content.decode()
