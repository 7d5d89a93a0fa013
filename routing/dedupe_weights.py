"""The duplicate matcher's weights per tenant: learned from the tenant's own people, refreshed in
the background, and the defaults until a tenant has enough records.

- `learn_tenant_weights` reads a sample of the tenant's people (the most recently changed, up to
  `SAMPLE`, of its contacts and its leads, open or merged into another, built as the index
  builds them: routing.dedupe_records), learns m and u by expectation maximisation
  (routing.dedupe_learn) and stores a `DedupeWeights` row with the date and the sample. Below
  `dedupe_learn.MIN_RECORDS` records nothing is stored and the defaults stay.
- `weights_for` is the tenant's weights in force: its newest row, else `DEFAULT_WEIGHTS`. One
  query (the newest row's id and date); each process keeps the weights of the row it saw last.
- `request_learning` queues the learning now (the console's "Learn now"); a daily sweep queues
  it for every tenant (routing.tasks.learn_all_dedupe_weights), and that run learns again only
  when the tenant's people changed since.
- A big import learns first: `learning_due_before` tells routing.intake that the leads it just
  stored would be matched with weights learned from far fewer people (or with the defaults),
  so the learning runs before they are processed (`request_learning(then_process=...)`). The
  first thousands of leads of a new tenant are then matched with its own weights, not the
  defaults until the nightly run.

The tenant's index (routing.dedupe_service) is given `weights_for(tenant)` on every refresh, so
a new row takes effect with the next batch of leads.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterator
from itertools import islice
from operator import itemgetter

from celery import current_app
from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import Contact
from core.acting import action
from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.dedupe import DEFAULT_WEIGHTS, PersonRecord, Weights
from routing.dedupe_learn import MIN_RECORDS, learn_weights
from routing.dedupe_records import (
    CONTACT_FIELDS,
    DEDUPED_STATUSES,
    INDEXED_FIELDS,
    contact_record,
    lead_record_of,
)
from routing.models import DedupeWeights
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = [
    "LEARN_WEIGHTS",
    "SAMPLE",
    "as_weights",
    "in_force",
    "learn_tenant_weights",
    "learning_due_before",
    "learning_finished",
    "people_count",
    "request_learning",
    "weights_for",
]

log = logging.getLogger(__name__)

# The most records learned from: the most recently changed contacts and leads (open or merged).
SAMPLE = 50_000
LEARN_WEIGHTS = "routing.tasks.learn_dedupe_weights"

# An import of at least this many leads asks whether to learn before it is matched; fewer leads
# (a form, a CRM's trickle) wait for the daily run.
BIG_IMPORT = 100
# Learning before an import runs again each time the tenant's people have grown by half since.
GROWTH = 1.5
# While one learning before an import is queued or running, other imports do not queue another
# (they are matched with the weights in force). The flag lapses by itself if a worker dies.
_LEARNING_FLAG = "routing:dedupe-learning:{}"
LEARNING_FLAG_SECONDS = 15 * 60

# The leads learned from: the open ones the matcher compares with, and those merged into
# another (found duplicates are what the m probabilities are about; leaving them out would
# teach the matcher that duplicates are rarer and harder to see than they are).
LEARNED_STATUSES = (*DEDUPED_STATUSES, LeadStatus.MERGED)

Build = Callable[[tuple], PersonRecord]
# Per process: tenant id -> ((id, date) of the row in force when last asked, its weights). The
# date too: a database rolled back (tests) hands out an id again.
_IN_FORCE: dict[int, tuple[tuple, Weights]] = {}


def in_force(tenant: Tenant) -> DedupeWeights | None:
    """The tenant's newest learned weights, if it has any."""
    return DedupeWeights.objects.filter(tenant=tenant).order_by("-learned_at", "-id").first()


def as_weights(row: DedupeWeights) -> Weights:
    """A stored row as the matcher's `Weights`. A field or level the row lacks (learned by an
    earlier matcher) keeps its default; one the matcher no longer has is left out."""
    stored = row.table()
    m_u = {
        name: {**levels, **{k: v for k, v in stored.get(name, {}).items() if k in levels}}
        for name, levels in DEFAULT_WEIGHTS.m_u.items()
    }
    return Weights(m_u, merge_at=row.merge_at, review_at=row.review_at)


def weights_for(tenant: Tenant) -> Weights:
    """The weights the tenant's matcher uses: its newest learned ones, else the defaults."""
    newest = (
        DedupeWeights.objects.filter(tenant=tenant)
        .order_by("-learned_at", "-id")
        .values_list("pk", "learned_at")
        .first()
    )
    if newest is None:
        _IN_FORCE.pop(tenant.pk, None)
        return DEFAULT_WEIGHTS
    cached = _IN_FORCE.get(tenant.pk)
    if cached is not None and cached[0] == newest:
        return cached[1]
    weights = as_weights(DedupeWeights.objects.get(pk=newest[0]))
    _IN_FORCE[tenant.pk] = (newest, weights)
    return weights


def people_count() -> int:
    """How many records the matcher would learn from (the scope's tenant): its contacts and its
    leads open or merged (LEARNED_STATUSES), up to `SAMPLE`."""
    contacts = Contact.objects.count()
    leads = Lead.objects.filter(status__in=LEARNED_STATUSES).count()
    return min(contacts + leads, SAMPLE)


def _newest_change() -> int:
    """A number that grows whenever a contact or a lead of the tenant changes: the sum of the
    two models' newest change sequences (core/sync.py). (Each model counts on its own, so the
    larger of the two would miss a change of the other.)"""
    return sum(m.objects.aggregate(s=Max("sync_seq"))["s"] or 0 for m in (Contact, Lead))


def _sample(limit: int) -> list[PersonRecord]:
    """The `limit` most recently changed of the tenant's contacts and leads (LEARNED_STATUSES),
    as the index builds them."""
    contacts = Contact.objects.order_by("-sync_seq", "-id").values_list("sync_seq", *CONTACT_FIELDS)
    leads = (
        Lead.objects.filter(status__in=LEARNED_STATUSES)
        .order_by("-sync_seq", "-id")
        .values_list("sync_seq", *INDEXED_FIELDS)
    )

    def tagged(rows: QuerySet, build: Build) -> Iterator[tuple[int, tuple, Build]]:
        for seq, *values in rows[:limit].iterator(chunk_size=5000):
            yield (seq or 0, tuple(values), build)

    newest_first = heapq.merge(
        tagged(contacts, contact_record),
        tagged(leads, lambda values: lead_record_of(*values)),
        key=itemgetter(0),
        reverse=True,
    )
    return [build(values) for _, values, build in islice(newest_first, limit)]


@action
def learn_tenant_weights(
    tenant: Tenant, *, acting: Acting, only_if_changed: bool = False
) -> DedupeWeights | None:
    """Learn the matcher's weights from the tenant's people and store them (in force from the
    next batch of leads). None, and nothing stored, when the tenant has fewer than MIN_RECORDS.
    `only_if_changed`: when no contact or lead changed since the weights in force were learned,
    keep them (the periodic run; "Learn now" learns again anyway)."""
    newest_change = _newest_change()
    if only_if_changed:
        current = in_force(tenant)
        if current is not None and current.sample_seq >= newest_change:
            return current
    learned = learn_weights(_sample(SAMPLE))
    if learned is None:
        return None
    weights = learned.as_weights()
    return DedupeWeights.objects.create(
        tenant=tenant,
        learned_at=timezone.now(),
        records=learned.records,
        candidate_pairs=learned.candidate_pairs,
        random_pairs=learned.random_pairs,
        iterations=learned.iterations,
        converged=learned.converged,
        match_share=learned.match_share,
        m_u={
            name: {str(level): [m, u] for level, (m, u) in levels.items()}
            for name, levels in weights.m_u.items()
        },
        merge_at=weights.merge_at,
        review_at=weights.review_at,
        sample_seq=newest_change,
    )


def learning_due_before(tenant_id: int, incoming: int) -> bool:
    """Whether an import of `incoming` leads, just stored (the scope's tenant), should wait for
    the weights to be learned: it is big (BIG_IMPORT or more), the tenant now has MIN_RECORDS
    people or more, and its weights are the defaults or were learned from fewer than 1/GROWTH
    of them. True claims the tenant's learning flag (`learning_finished` gives it back), so
    imports arriving meanwhile do not queue a learning of their own."""
    if incoming < BIG_IMPORT:
        return False
    people = people_count()
    if people < MIN_RECORDS:
        return False
    learned = (
        DedupeWeights.objects.filter(tenant_id=tenant_id)
        .order_by("-learned_at", "-id")
        .values_list("records", flat=True)
        .first()
    )
    if learned is not None and (learned >= SAMPLE or people < GROWTH * learned):
        return False
    return bool(cache.add(_LEARNING_FLAG.format(tenant_id), 1, LEARNING_FLAG_SECONDS))


def learning_finished(tenant_id: int) -> None:
    cache.delete(_LEARNING_FLAG.format(tenant_id))


def request_learning(tenant_id: int, *, then_process: list[int] | None = None) -> bool:
    """Queue learning the tenant's weights now (routing.tasks.learn_dedupe_weights, by name: the
    tasks module calls this one), and with `then_process` the processing of those leads once
    learned. False when it could not be queued (the broker is down); the daily run will learn
    them. Without a broker the learning (and the processing) runs here, before this returns."""
    kwargs: dict = {"tenant_id": tenant_id}
    if then_process is not None:
        kwargs["then_process"] = then_process
    try:
        current_app.signature(LEARN_WEIGHTS, kwargs=kwargs).apply_async()
    except (OperationalError, OSError):
        log.warning("could not queue learning the duplicate weights of tenant %s", tenant_id)
        return False
    return True
