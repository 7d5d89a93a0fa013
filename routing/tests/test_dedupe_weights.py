"""The duplicate matcher's weights per tenant (routing/dedupe_weights.py): learned from the
tenant's own people and stored, in force for its next leads, shown on the lead-ops settings, and
the defaults while it has too few records."""

from __future__ import annotations

import random

import pytest
from django.db.models import Min

from core.tenancy import tenant_scope
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing import dedupe_service, dedupe_weights
from routing.dedupe import AUTO_MERGE, DEFAULT_WEIGHTS, REVIEW
from routing.dedupe_learn import MIN_RECORDS
from routing.models import DedupeWeights, DuplicateCandidate
from routing.tasks import LEARNING, learn_all_dedupe_weights, learn_dedupe_weights
from routing.tests.test_dedupe_learn import FIRST, LAST, STREETS, _typo
from routing.tests.test_pages_helpers import prepare_routing, send

pytestmark = pytest.mark.django_db

PAGE = "/console/alpha/lead-ops/matcher/"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def people_rows(n: int = 600, duplicates: int = 120, seed: int = 3) -> list[dict]:
    """`n` people, the first `duplicates` of them twice (a first name retyped or replaced, some
    streets mistyped), without email or phone: what a trade-show list looks like."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        town = rng.randrange(60)
        rows.append(
            {
                "first_name": rng.choice(FIRST).title(),
                "last_name": rng.choice(LAST).title(),
                "street": f"{rng.choice(STREETS).title()}strasse {rng.randint(1, 200)}",
                "city": f"Ort {town}",
                "postal_code": str(1000 + 20 * town + rng.randint(0, 9)),
                "country": "AT",
            }
        )
    for j in range(duplicates):
        row = dict(rows[j])
        row["first_name"] = _typo(row["first_name"], rng) if j % 3 else rng.choice(FIRST).title()
        if j % 4 == 0:
            row["street"] = _typo(row["street"], rng)
        rows.append(row)
    return rows


def add_people(tenant, n: int = 600, duplicates: int = 120, seed: int = 3) -> None:
    """`people_rows` stored as open leads, not processed."""
    Lead.objects.bulk_create(
        Lead(tenant=tenant, source="import", status=LeadStatus.NEW, **row)
        for row in people_rows(n, duplicates, seed)
    )


def learn(world) -> DedupeWeights | None:
    with tenant_scope(world.tenant):
        return dedupe_weights.learn_tenant_weights(world.tenant, acting=LEARNING)


def test_weights_are_learned_from_the_tenants_people_and_put_in_force(
    world, django_assert_num_queries
):
    with tenant_scope(world.tenant):
        add_people(world.tenant)
    row = learn(world)
    assert row is not None and row.records >= 720 and row.candidate_pairs > 0
    assert row.random_pairs > 0 and row.iterations > 0 and 0 < row.match_share < 1
    # Stored as JSON (levels as strings) and read back as the matcher's weights.
    assert row.m_u["street"]["0"][0] > row.m_u["street"]["0"][1]
    with tenant_scope(world.tenant):
        weights = dedupe_weights.weights_for(world.tenant)
        assert weights.merge_at == row.merge_at and weights.review_at == row.review_at
        assert weights.m_u["street"][0] == tuple(row.m_u["street"]["0"])
        # Learned from these records: without email and phone, the thresholds are not the
        # defaults' and agreeing on the street counts for more than by default.
        assert (weights.merge_at, weights.review_at) != (AUTO_MERGE, REVIEW)
        assert weights.table()["street"][0] > DEFAULT_WEIGHTS.table()["street"][0]
        # Cheap on every batch: one query once the row's weights are known to the process.
        with django_assert_num_queries(1):
            assert dedupe_weights.weights_for(world.tenant) is weights
    # The other tenant keeps the defaults.
    with tenant_scope(world.other_tenant):
        assert dedupe_weights.weights_for(world.other_tenant) is DEFAULT_WEIGHTS


def test_too_few_people_keep_the_defaults_and_the_page_says_so(world, admin):
    assert learn(world) is None
    with tenant_scope(world.tenant):
        assert not DedupeWeights.objects.exists()
        assert dedupe_weights.weights_for(world.tenant) is DEFAULT_WEIGHTS
    page = admin.get(PAGE).content.decode()
    too_few = page.split('data-testid="too-few"', 1)[1].split("</p>")[0]
    assert f"learns from {MIN_RECORDS} records on" in too_few and "default weights" in too_few
    assert "Merged automatically from a score of <b>21.0</b>" in page
    # The defaults' table, in words.
    street = page.split('data-testid="weight-street-0"', 1)[1].split("</tr>")[0]
    assert "Agreeing on street" in street and "+7.1" in street and "as by default" in street
    response = admin.post(PAGE + "learn/")
    assert response.status_code == 302
    assert messages_of(response)[-1].startswith("Too few records to learn from")
    with tenant_scope(world.tenant):
        assert not DedupeWeights.objects.exists()


def test_the_page_shows_what_was_learned(world, admin):
    with tenant_scope(world.tenant):
        add_people(world.tenant)
    row = learn(world)
    assert row is not None
    page = admin.get(PAGE).content.decode()
    section = page.split('data-testid="matcher-learned"', 1)[1].split("</section>")[0]
    assert row.learned_at.strftime("%Y-%m-%d") in section and f"<b>{row.records}</b>" in section
    sample = section.split('data-testid="learned-sample"', 1)[1].split("</dl>")[0]
    for number in (row.candidate_pairs, row.random_pairs, row.iterations):
        assert f"{number}" in sample
    assert "about " in sample and "%" in sample
    assert f"Merged automatically from a score of <b>{row.merge_at:.1f}</b>" in section
    assert "(default 21.0)" in section and "(default 17.0)" in section
    weight = dedupe_weights.as_weights(row).table()["street"][0]
    street = page.split('data-testid="weight-street-0"', 1)[1].split("</tr>")[0]
    assert "Agreeing on street" in street and f"{weight:+.1f}" in street and "+7.1" in street
    assert "counts more" in street
    assert 'data-testid="weight-first_name-1"' in page  # every field and level: nicknames too
    # The overview's card says so too.
    card = admin.get("/console/alpha/lead-ops/").content.decode()
    assert "What the duplicate matcher learned" in card and f"{row.merge_at:.1f}" in card


def test_learn_now_learns_in_process_and_the_daily_run_only_when_people_changed(world, admin):
    with tenant_scope(world.tenant):
        add_people(world.tenant)
    response = admin.post(PAGE + "learn/")
    assert response.status_code == 302 and response["Location"].endswith(PAGE)
    assert messages_of(response)[-1].startswith("Learning started")
    with tenant_scope(world.tenant):
        first = DedupeWeights.objects.get()  # no broker: learned before the page came back
    assert 'data-testid="learned-when"' in admin.get(PAGE).content.decode()
    # The nightly fan-out: nothing changed since, nothing learned again.
    assert learn_all_dedupe_weights() >= 2
    with tenant_scope(world.tenant):
        assert DedupeWeights.objects.count() == 1
        Lead.objects.create(tenant=world.tenant, source="api", first_name="Neu", last_name="Lead")
    learn_dedupe_weights(tenant_id=world.tenant.pk, only_if_changed=True)
    with tenant_scope(world.tenant):
        rows = list(DedupeWeights.objects.all())
        assert len(rows) == 2 and rows[0].pk != first.pk  # the newest first, the old kept
        assert rows[0].records == first.records + 1
        assert dedupe_weights.in_force(world.tenant) == rows[0]


def test_the_tenants_weights_decide_a_pair_is_merged_instead_of_reviewed(world, admin):
    prepare_routing(world)
    # A colleague makes the company a workplace, so name and address count as context only.
    send(world, first_name="Peter", last_name="Maier", email="p.maier@firma.de", company="Firma")
    first = send(world, last_name="Huber", email="anna.huber@firma.de", company="Firma")
    maybe = send(
        world, first_name="Ana", last_name="Huber", email="a.huber@gmail.com", company="Firma"
    )
    assert maybe.status != LeadStatus.MERGED  # the defaults: a pair for review
    with tenant_scope(world.tenant):
        pending = DuplicateCandidate.objects.get(lead=maybe, other_lead=first)
    assert REVIEW <= pending.score < AUTO_MERGE
    # Weights the tenant's records taught: the same evidence is enough to merge.
    with tenant_scope(world.tenant):
        DedupeWeights.objects.create(
            tenant=world.tenant,
            learned_at=first.created_at,
            records=5000,
            candidate_pairs=9000,
            random_pairs=20000,
            iterations=12,
            converged=True,
            match_share=0.2,
            m_u={
                name: {str(level): list(mu) for level, mu in levels.items()}
                for name, levels in DEFAULT_WEIGHTS.m_u.items()
            },
            merge_at=pending.score - 1,
            review_at=pending.score - 5,
        )
    again = send(world, first_name="Ana", last_name="Huber", email="ana@web.de", company="Firma")
    assert again.status == LeadStatus.MERGED and again.duplicate_of_id in (first.pk, maybe.pk)
    # The review page shows the pending pair on the tenant's scale: past the merge mark now.
    page = admin.get("/console/alpha/duplicates/").content.decode()
    assert "merged automatically" in page.split('data-testid="score-words"', 1)[1].split("<")[0]


def test_new_weights_send_what_they_find_among_recent_leads_to_review(world):
    """Leads already processed under the defaults are matched again when the weights change:
    a pair the defaults let pass is proposed for review (not merged: the leads are worked)."""
    prepare_routing(world)
    first = send(world, first_name="Jonas", last_name="Egger", street="Lindenweg 4", city="Linz")
    later = send(world, first_name="Kurt", last_name="Egger", street="Lindenweg 4", city="Linz")
    with tenant_scope(world.tenant):
        assert not DuplicateCandidate.objects.filter(lead=later).exists()
        # Weights a tenant of home addresses teaches: another first name counts for little.
        m_u = {n: dict(levels) for n, levels in DEFAULT_WEIGHTS.m_u.items()}
        m_u["first_name"] = {**m_u["first_name"], 5: (0.4, 0.96)}
        DedupeWeights.objects.create(
            tenant=world.tenant,
            learned_at=first.created_at,
            records=5000,
            candidate_pairs=9000,
            random_pairs=20000,
            iterations=12,
            converged=True,
            match_share=0.2,
            m_u={n: {str(lvl): list(mu) for lvl, mu in t.items()} for n, t in m_u.items()},
            merge_at=30,
            review_at=10,
        )
        proposed = dedupe_service.propose_after_learning(world.tenant, acting=LEARNING)
        candidate = DuplicateCandidate.objects.get(lead=later, other_lead=first)
        assert proposed == 1 and candidate.status == "pending" and candidate.score >= 10
        later.refresh_from_db()
        assert later.status != LeadStatus.MERGED
        # Matching again proposes nothing twice.
        assert dedupe_service.propose_after_learning(world.tenant, acting=LEARNING) == 0


def import_leads(api_as, capture, rows: list[dict], first_id: int = 0) -> None:
    # No email, no phone: the same generic company on every record makes them acceptable leads.
    records = [
        {"external_id": f"L{first_id + i}", "company": "Private", **row}
        for i, row in enumerate(rows)
    ]
    with capture(execute=True):
        response = api_as("admin").post("/api/v1/leads/bulk/", {"records": records}, format="json")
    assert response.status_code == 200 and response.json()["summary"]["error"] == 0


def matched_pairs(n: int) -> dict[str, tuple[int, int]]:
    """How many pairs were merged and proposed for review, and how many of them are true (the
    twins of `people_rows`: the k-th of the `n` records repeats the (k - 600)-th), by external
    id modulo the import's size."""
    twin = {pk: int(ext[1:]) % n for pk, ext in Lead.objects.values_list("pk", "external_id")}

    def count(pairs) -> tuple[int, int]:
        pairs = list(pairs)
        return len(pairs), sum(abs(twin[a] - twin[b]) == 600 for a, b in pairs)

    merged = Lead.objects.filter(status=LeadStatus.MERGED).values_list("pk", "duplicate_of")
    reviewed = DuplicateCandidate.objects.filter(other_lead__isnull=False).values_list(
        "lead", "other_lead"
    )
    return {"merged": count(merged), "reviewed": count(reviewed)}


def test_a_big_first_import_is_matched_with_weights_learned_from_it_first(
    world, api_as, django_capture_on_commit_callbacks, monkeypatch
):
    """A new tenant's first thousand leads are not matched with the defaults until the nightly
    run: the import waits for weights learned from it, then is processed with them."""
    prepare_routing(world)
    rows = people_rows(600, 120)
    import_leads(api_as, django_capture_on_commit_callbacks, rows)
    with tenant_scope(world.tenant):
        learned = DedupeWeights.objects.get()
        assert learned.records >= 720  # and the contacts the tenant had
        assert not Lead.objects.filter(processed_at__isnull=True).exists()
        first_processed = Lead.objects.aggregate(first=Min("processed_at"))["first"]
        assert first_processed >= learned.learned_at
        learned_pairs = matched_pairs(len(rows))
        # The same import matched with the defaults, for comparison.
        Lead.objects.all().delete()
        DedupeWeights.objects.all().delete()
        dedupe_service.forget_indexes()
    monkeypatch.setattr(dedupe_weights, "BIG_IMPORT", 10**6)
    import_leads(api_as, django_capture_on_commit_callbacks, rows, first_id=len(rows))
    with tenant_scope(world.tenant):
        assert not DedupeWeights.objects.exists()
        default_pairs = matched_pairs(len(rows))
    # More of the twins merged, fewer wrong pairs merged or put before a person.
    assert learned_pairs["merged"][1] > default_pairs["merged"][1]
    assert wrong(learned_pairs) < wrong(default_pairs)


def wrong(pairs: dict[str, tuple[int, int]]) -> int:
    return sum(found - true for found, true in pairs.values())


def test_a_small_import_or_one_after_learning_waits_for_no_learning(
    world, api_as, django_capture_on_commit_callbacks
):
    prepare_routing(world)
    rows = people_rows(600, 120, seed=5)
    # Fewer people than the matcher learns from: processed at once with the defaults.
    import_leads(api_as, django_capture_on_commit_callbacks, rows[:400])
    with tenant_scope(world.tenant):
        assert not DedupeWeights.objects.exists()
    # Now past the minimum: learned first.
    import_leads(api_as, django_capture_on_commit_callbacks, rows[400:], first_id=400)
    with tenant_scope(world.tenant):
        assert DedupeWeights.objects.get().records >= 600
    # A hundred more is not half as many again as learned from: no new learning.
    more = people_rows(100, 0, seed=9)
    import_leads(api_as, django_capture_on_commit_callbacks, more, first_id=1000)
    with tenant_scope(world.tenant):
        assert DedupeWeights.objects.count() == 1
        assert not Lead.objects.filter(processed_at__isnull=True).exists()
