"""Deduplication of leads against the tenant's leads and contacts (the matcher is routing.dedupe).

Each worker process keeps one `DedupeIndex` per tenant, built once from the tenant's contacts and
open leads and refreshed incrementally from their change sequences, so a batch only pays for
what changed since the last one. Hits are re-checked against the database before acting (a lead
may have been merged since it was indexed).

The index scores with the tenant's weights (`routing.dedupe_weights.weights_for`: learned from
its own records, else the defaults), set on every refresh; their `merge_at` and `review_at`
(AUTO_MERGE and REVIEW by default) are the thresholds below.

What a match does:
- a lead that matches a contact (score at least `merge_at`) is linked to that contact and its
  account, and still routed: it is new interest from a known person;
- a lead that matches an earlier open lead is merged into it (survivorship below) and not
  routed again; the survivor's owner is told;
- between `review_at` and `merge_at` the pair goes to the console's review queue;
- a pair an admin marked "not a duplicate" is never proposed again.

Two copies of one person may be processed at the same time by two workers (a form sent twice, a
file with the person on two lines): the index holds leads from the moment they are stored, so
each batch sees the other's copy. The later copy acts on the pair: it waits (its batch sets it
aside and queues it again) until the earlier one is processed, then merges into it.

Survivorship: the earlier lead survives (its id, owner and SLA clocks stay). Each scalar field
takes the most recent non-empty value (the merged lead is the newer one); product interest and
service needs are the union of both. Touches and timeline entries move to the survivor. `LeadMerge`
keeps both leads' previous values so `undo_merge` restores them exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Contact
from core.acting import action
from core.rows import save_rows
from core.sync import safe_horizon
from pipeline.choices import LeadStatus
from pipeline.models import LEAD_DERIVED_KEYS, LEAD_PERSON_FIELDS, Lead, Touch
from routing.choices import CandidateStatus, EventKind, TimerState
from routing.dedupe import DedupeIndex, Duplicate, PersonRecord, find_duplicates
from routing.dedupe_records import (
    CONTACT_FIELDS,
    DEDUPED_STATUSES,
    INDEXED_FIELDS,
    contact_record,
    lead_record,
    lead_record_of,
)
from routing.dedupe_weights import weights_for
from routing.journal import Journal
from routing.models import DuplicateCandidate, LeadEvent, LeadMerge
from routing.normalize import normalize_country
from routing.queue import queue_processing
from tenancy.acting import Acting
from tenancy.models import Tenant, User

__all__ = [
    "MERGED_FIELDS",
    "deduplicate",
    "mark_distinct",
    "merge_candidate",
    "merge_leads",
    "merge_many",
    "saved_here",
    "undo_merge",
]

LIST_FIELDS = ("product_interest", "service_needs")
# The person's fields and the keys enrichment derived from them (a merge keeps them consistent).
SCALAR_FIELDS = (
    *(name for name in LEAD_PERSON_FIELDS if name not in LIST_FIELDS),
    *LEAD_DERIVED_KEYS,
)
MERGED_FIELDS = SCALAR_FIELDS + LIST_FIELDS
# How this module keys the index's records: ("lead" or "contact", id).
RecordKey = tuple[str, int]


@dataclass
class _TenantIndex:
    index: DedupeIndex
    contacts_seq: int
    leads_seq: int
    # Change sequences of this process's own batches: their leads are indexed already, as
    # the batch left them, so the refresh need not read them back.
    own_sequences: set[int] = field(default_factory=set)
    # What each indexed lead's matched fields were (a hash): a lead changed in other ways (routed,
    # accepted) is not indexed again.
    fingerprints: dict[int, int] = field(default_factory=dict)

    def refresh(self, lead_id: int, fingerprint: int, record: Callable[[], PersonRecord]) -> None:
        """Index the lead unless it is indexed already with the same matched fields."""
        if self.fingerprints.get(lead_id) != fingerprint:
            self.fingerprints[lead_id] = fingerprint
            self.index.add(record())

    def refresh_lead(self, lead: Lead, record: PersonRecord | None = None) -> None:
        values = [getattr(lead, name) for name in INDEXED_FIELDS[1:-1]]
        self.refresh(lead.pk, _fingerprint(*values), lambda: record or lead_record(lead))


def _fingerprint(first, last, email, phone, company, street, city, postal, code, country) -> int:
    """The matched fields of a lead (`INDEXED_FIELDS` without the id and the time it changed);
    the country as enrichment will read it, so the lead's enrichment does not count as a change."""
    return hash(
        (
            first,
            last,
            email,
            phone,
            company,
            street,
            city,
            postal,
            code or normalize_country(country),
        )
    )


_INDEXES: dict[tuple, _TenantIndex] = {}


def _contact_rows(query):
    return query.values_list(*CONTACT_FIELDS).iterator(chunk_size=5000)


def _mark(model: type[Contact] | type[Lead]) -> int:
    """Rows at or below this change sequence are final (see core/sync.py)."""
    newest = model.objects.aggregate(s=Max("sync_seq"))["s"] or 0
    return min(newest, safe_horizon() - 1)


def tenant_index(tenant: Tenant) -> DedupeIndex:
    """The tenant's index, brought up to date with contacts and leads changed since last time."""
    return _tenant_entry(tenant).index


def _tenant_entry(tenant: Tenant) -> _TenantIndex:
    key = (tenant.pk, tenant.created_at)
    entry = _INDEXES.get(key)
    contacts = Contact.objects.all()
    if entry is None:
        entry = _INDEXES[key] = _TenantIndex(DedupeIndex(), -1, -1)
    contact_mark, lead_mark = _mark(Contact), _mark(Lead)
    for row in _contact_rows(contacts.filter(sync_seq__gt=entry.contacts_seq)):
        entry.index.add(contact_record(row))
    # By change sequence alone (the sync-feed index); status is checked here, not in SQL, or the
    # planner picks the status index and reads every open lead.
    changed = Lead.objects.filter(sync_seq__gt=entry.leads_seq)
    if entry.own_sequences:
        changed = changed.exclude(sync_seq__in=entry.own_sequences)
    rows = changed.values_list("status", *INDEXED_FIELDS)
    for status, *values in rows.iterator(chunk_size=5000):
        if status not in DEDUPED_STATUSES:  # unprocessed ones too: see `deduplicate`
            continue
        entry.refresh(values[0], _fingerprint(*values[1:-1]), partial(lead_record_of, *values))
    entry.index.weights = weights_for(tenant)  # scoring reads them; blocking does not
    entry.contacts_seq = max(entry.contacts_seq, contact_mark)
    entry.leads_seq = max(entry.leads_seq, lead_mark)
    entry.own_sequences = {s for s in entry.own_sequences if s > entry.leads_seq}
    return entry


def saved_here(tenant: Tenant, sequence: int | None) -> None:
    """A batch of this process saved its leads with this change sequence: they are indexed as
    the batch left them, so the next refresh need not read them back."""
    entry = _INDEXES.get((tenant.pk, tenant.created_at))
    if entry is not None and sequence is not None:
        entry.own_sequences.add(sequence)


def forget_indexes() -> None:
    """Drop every cached index (tests, and after bulk deletes)."""
    _INDEXES.clear()


def deduplicate(leads: list[Lead], ctx: Any) -> tuple[list[Lead], set[int]]:
    """Link, merge or queue for review every lead of the batch. Returns the leads left to route,
    and the ids of those to process later: their earlier duplicate is still being processed."""
    entry = _tenant_entry(ctx.tenant)
    index = entry.index
    by_id = {lead.pk: lead for lead in leads}
    records = [lead_record(lead) for lead in leads]
    for stored, record in zip(leads, records, strict=True):  # mostly indexed since stored
        entry.refresh_lead(stored, record)
    # Every lead of the batch is in the index, earlier and later ones alike: `_arrival` decides
    # which of a pair acts.
    found = find_duplicates(records, index, add=False)
    merge_at = index.weights.merge_at
    found.sort(key=lambda d: (_keys(d)[0], -d.match.score))
    live, pending = _live_targets(found, by_id)
    distinct = _distinct_pairs(leads)
    merged: set[int] = set()
    postponed: set[int] = set()
    linked: set[int] = set()
    proposals: list[DuplicateCandidate] = []
    merges: list[tuple[Lead, Lead, float | None]] = []
    for dup in found:
        lead_id, kind, other = _keys(dup)
        lead = by_id.get(lead_id)
        if lead is None or lead.pk in merged or lead.pk in postponed:
            continue
        if (lead.pk, kind, other) in distinct or (kind == "lead" and other == lead.pk):
            continue
        if kind == "lead" and other in pending:
            # Not processed yet, in another batch: the later of the two acts on the pair, once
            # the earlier is through (so a merge never waits on another worker's lock).
            if pending[other] < _arrival(lead) and dup.match.score >= merge_at:
                postponed.add(lead.pk)
            continue
        if (kind, other) not in live or (kind == "lead" and other in merged):
            continue
        target = live[(kind, other)]  # the batch's leads are in it too
        if kind == "lead" and _arrival(target) > _arrival(lead):
            continue  # the later lead's processing acts on the pair
        if dup.match.score >= merge_at:
            if kind == "contact" and lead.pk not in linked:
                _link_contact(lead, other, target, dup, ctx)
                linked.add(lead.pk)
                continue
            if kind == "lead":
                merges.append((target, lead, dup.match.score))
                merged.add(lead.pk)
                continue
        proposals.append(_proposal(lead, kind, other, dup))
    merge_many(merges, automatic=True, journal=ctx, saved_by_caller=by_id)
    for survivor, _, _ in merges:  # the index finds them with what they gained
        entry.refresh_lead(survivor)
    # A pair already proposed (or decided) stays as it is.
    DuplicateCandidate.objects.bulk_create(proposals, ignore_conflicts=True)
    return [lead for lead in leads if lead.pk not in merged | postponed], postponed


def _keys(dup: Duplicate) -> tuple[int, str, int]:
    """The lead's id, and the kind ("lead" or "contact") and id of what it looks like: this
    module keys the index's records by (kind, id) (`lead_record`, `contact_record`)."""
    _, lead_id = cast(RecordKey, dup.key)
    kind, other = cast(RecordKey, dup.duplicate_of)
    return lead_id, kind, other


def _live_targets(
    found: list[Duplicate], by_id: dict[int, Lead]
) -> tuple[dict[tuple[str, int], Any], dict]:
    """The matched rows as they are now: leads processed and still open (locked: a merge writes
    into the survivor), contacts still there; and, apart, leads of other batches not processed
    yet (queued, or being processed by another worker), with their `_arrival`."""
    targets = [_keys(dup)[1:] for dup in found]
    lead_ids = {o for k, o in targets if k == "lead" and o not in by_id}
    contact_ids = {o for k, o in targets if k == "contact"}
    live: dict[tuple[str, int], Any] = {("lead", pk): lead for pk, lead in by_id.items()}
    open_leads = Lead.objects.filter(pk__in=lead_ids, status__in=DEDUPED_STATUSES)
    pending = {
        pk: (created_at, pk)
        for pk, created_at in open_leads.filter(processed_at__isnull=True).values_list(
            "pk", "created_at"
        )
    }
    # In id order, so two batches merging into the same leads cannot deadlock (they never wait
    # on a lead being processed: those are pending).
    locked = open_leads.filter(processed_at__isnull=False).select_for_update(of=("self",))
    for lead in locked.order_by("pk"):
        live[("lead", lead.pk)] = lead
    for contact in Contact.objects.filter(pk__in=contact_ids).select_related("account"):
        live[("contact", contact.pk)] = contact
    return live, pending


def _arrival(lead: Lead) -> tuple:
    """Which of two leads came first (a bulk request stamps all its leads with one time)."""
    return (lead.created_at, lead.pk)


def _distinct_pairs(leads: list[Lead]) -> set[tuple[int, str, int]]:
    rows = DuplicateCandidate.objects.filter(
        Q(lead__in=leads) | Q(other_lead__in=leads), status=CandidateStatus.DISTINCT
    ).values_list("lead_id", "other_lead_id", "contact_id")
    pairs = set()
    for lead_id, other_lead, contact in rows:
        if contact:
            pairs.add((lead_id, "contact", contact))
        else:
            pairs |= {(lead_id, "lead", other_lead), (other_lead, "lead", lead_id)}
    return pairs


def _link_contact(lead: Lead, contact_id: int, contact: Contact, dup, ctx: Any) -> None:
    lead.contact_id = contact_id
    if not lead.account_id and contact.account_id:
        lead.account_id = contact.account_id
        lead.account = contact.account  # routing loads its facts with the others
    ctx.event(
        lead, EventKind.ENRICHED, f"Known contact: {contact} ({', '.join(dup.match.reasons[:3])})"
    )


def _proposal(lead: Lead, kind: str, other: int, dup: Duplicate) -> DuplicateCandidate:
    fields = {"other_lead_id": other} if kind == "lead" else {"contact_id": other}
    return DuplicateCandidate(
        tenant_id=lead.tenant_id,
        lead=lead,
        score=dup.match.score,
        reasons=dup.match.reasons,
        **fields,
    )


# --- after learning ----------------------------------------------------------------------------

# Leads of this many days are matched again when the tenant's weights change.
REMATCH_DAYS = 30
REMATCH_LIMIT = 50_000


@action
def propose_after_learning(tenant: Tenant, *, acting: Acting) -> int:
    """New weights find pairs the old ones missed among leads already processed. The tenant's
    open leads of the last REMATCH_DAYS are matched again, and each pair nobody has decided yet
    goes to the review queue (at its new score). Nothing is merged: these leads are routed and
    being worked, so a person decides. Leads not processed yet are left to their processing,
    which matches them with the new weights (and may merge). Returns how many pairs were
    proposed."""
    since = timezone.now() - dt.timedelta(days=REMATCH_DAYS)
    leads = list(
        Lead.objects.filter(
            status__in=DEDUPED_STATUSES, created_at__gte=since, processed_at__isnull=False
        ).order_by("-created_at", "-pk")[:REMATCH_LIMIT]
    )
    if not leads:
        return 0
    index = _tenant_entry(tenant).index
    by_id = {lead.pk: lead for lead in leads}
    distinct = _distinct_pairs(leads)
    proposals: dict[tuple, DuplicateCandidate] = {}
    found = find_duplicates([lead_record(lead) for lead in leads], index, add=False)
    unprocessed = set(
        Lead.objects.filter(
            pk__in={o for _, kind, o in map(_keys, found) if kind == "lead" and o not in by_id},
            processed_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    for dup in found:
        lead_id, kind, other = _keys(dup)
        if (lead_id, kind, other) in distinct or (kind == "lead" and other == lead_id):
            continue
        if kind == "lead" and other in unprocessed:
            continue
        lead = by_id[lead_id]
        if kind == "lead":
            earlier = by_id.get(other)
            if earlier is not None and _arrival(earlier) > _arrival(lead):
                continue  # the pair is proposed from the later lead, as processing does
        proposals.setdefault((lead_id, kind, other), _proposal(lead, kind, other, dup))
    known = DuplicateCandidate.objects.filter(lead__in=leads).values_list(
        "lead_id", "other_lead_id", "contact_id"
    )
    for lead_id, other_lead, contact in known:
        proposals.pop(
            (lead_id, "contact", contact) if contact else (lead_id, "lead", other_lead), None
        )
    DuplicateCandidate.objects.bulk_create(list(proposals.values()), ignore_conflicts=True)
    return len(proposals)


# --- merging and undoing ------------------------------------------------------------------------


def _snapshot(lead: Lead) -> dict:
    values = {name: getattr(lead, name) for name in MERGED_FIELDS}
    if values["estimated_amount"] is not None:
        values["estimated_amount"] = str(values["estimated_amount"])
    return values


@action
def merge_leads(
    survivor: Lead,
    merged: Lead,
    *,
    acting: Acting,
    automatic: bool,
    score: float | None = None,
    now: dt.datetime | None = None,
) -> LeadMerge:
    """Merge `merged` into `survivor` (see the module docstring for the rules)."""
    journal = Journal(tenant=survivor.tenant, now=now or timezone.now())
    pairs = [(survivor, merged, score)]
    merged_by = acting.audit_user
    (record,) = merge_many(pairs, automatic=automatic, merged_by=merged_by, journal=journal)
    journal.flush()
    return record


def merge_many(
    pairs: list[tuple[Lead, Lead, float | None]],
    *,
    automatic: bool,
    journal: Journal,
    merged_by: User | None = None,
    saved_by_caller: Collection[int] = (),
) -> list[LeadMerge]:
    """Merge each pair's second lead into its first, in a fixed number of statements whatever the
    number of pairs. `merged_by`: the person who confirmed the merges (none for automatic ones);
    the caller's service names the actor (a batch's automatic merges are the system's). Writes both leads, except those in `saved_by_caller` (a processing batch saves
    its own leads with the rest of their work). Timeline entries and notifications go to `journal`,
    for the caller to flush."""
    from routing import sla

    if any(survivor.pk == merged.pk for survivor, merged, _ in pairs):
        raise ValidationError("A lead cannot be merged into itself.")
    merged_ids = [merged.pk for _, merged, _ in pairs]
    touches, events = _ids_by_lead(Touch, merged_ids), _ids_by_lead(LeadEvent, merged_ids)
    records, survivors, mergeds = [], {}, {}
    for survivor, merged, score in pairs:
        records.append(
            LeadMerge(
                tenant_id=survivor.tenant_id,
                survivor=survivor,
                merged=merged,
                automatic=automatic,
                score=score,
                before={
                    "survivor": _snapshot(survivor),
                    "merged": {**_snapshot(merged), "status": merged.status},
                },
                moved_touches=touches.get(merged.pk, []),
                moved_events=events.get(merged.pk, []),
                merged_by=merged_by,
            )
        )
        _survive(survivor, merged)
        if merged.processed_at is not None:  # a routed lead merged by hand: its clocks stop
            sla.stop_timers(merged, sla.ALL_KINDS, state=TimerState.CANCELLED, now=journal.now)
        merged.status, merged.duplicate_of = LeadStatus.MERGED, survivor
        merged.processed_at = merged.processed_at or journal.now
        survivors[survivor.pk], mergeds[merged.pk] = survivor, merged
        _tell(survivor, merged, automatic=automatic, score=score, user=merged_by, journal=journal)
    LeadMerge.objects.bulk_create(records)
    for record in records:
        if record.moved_touches:
            Touch.objects.filter(pk__in=record.moved_touches).update(lead=record.survivor)
        if record.moved_events:
            LeadEvent.objects.filter(pk__in=record.moved_events).update(lead=record.survivor)
    # Only the fields a merge changes: a survivor's status and owner are not ours to write.
    for rows, names in (
        (survivors, [*MERGED_FIELDS, "updated_at"]),
        (mergeds, ["status", "duplicate_of", "processed_at", "updated_at"]),
    ):
        own = [lead for pk, lead in rows.items() if pk not in saved_by_caller]
        save_rows(Lead, own, names)
    return records


def _ids_by_lead(model: type[Touch] | type[LeadEvent], lead_ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for lead_id, pk in model.objects.filter(lead_id__in=lead_ids).values_list("lead_id", "id"):
        found.setdefault(lead_id, []).append(pk)
    return found


def _survive(survivor: Lead, merged: Lead) -> None:
    """Survivorship: each scalar field takes the most recent non-empty value, lists the union."""
    newest_first = sorted((survivor, merged), key=lambda lead: lead.created_at, reverse=True)
    for name in SCALAR_FIELDS:
        value = next(
            (getattr(x, name) for x in newest_first if getattr(x, name) not in ("", None)), None
        )
        if value is not None:
            setattr(survivor, name, value)
    for name in LIST_FIELDS:
        union = [*(getattr(survivor, name) or []), *(getattr(merged, name) or [])]
        setattr(survivor, name, list(dict.fromkeys(union)))


def _tell(
    survivor: Lead,
    merged: Lead,
    *,
    automatic: bool,
    score: float | None,
    user: User | None,
    journal: Journal,
) -> None:
    """Both timelines say so; the survivor's owner hears the person got in touch again."""
    how = "automatically" if automatic else "by hand"
    for lead, text in (
        (survivor, f"Lead {merged.pk} merged in {how}"),
        (merged, f"Merged into lead {survivor.pk} {how}"),
    ):
        journal.event(lead, EventKind.MERGED, text, user_id=getattr(user, "pk", None), score=score)
    if survivor.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING):
        owners = (
            [survivor.assigned_user_id]
            if survivor.assigned_user_id
            else journal.partner_users(survivor.assigned_partner_id)
        )
        journal.notify(
            owners,
            kind=EventKind.MERGED,
            title=f"{survivor} got in touch again",
            body=merged.message[:500],
            lead=survivor,
        )


@action
@transaction.atomic
def merge_candidate(candidate: DuplicateCandidate, *, acting: Acting) -> DuplicateCandidate:
    """An admin confirms a pair from the review queue."""
    user = acting.audit_user
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.PENDING:
        raise ValidationError("This pair was already decided.")
    lead = Lead.objects.select_for_update().get(pk=candidate.lead_id)
    if candidate.contact_id:
        lead.contact_id = candidate.contact_id
        lead.account_id = lead.account_id or cast(Contact, candidate.contact).account_id
        lead.save()
    else:
        other = Lead.objects.select_for_update().get(pk=cast(int, candidate.other_lead_id))
        for row in (lead, other):
            if row.status not in DEDUPED_STATUSES:
                raise ValidationError(
                    f"Lead {row.pk} is {row.get_status_display().lower()}; it cannot be merged."
                )
        survivor, merged = sorted((lead, other), key=lambda x: (x.created_at, x.pk))
        merge_leads(survivor, merged, acting=acting, automatic=False, score=candidate.score)
    candidate.status, candidate.decided_by, candidate.decided_at = (
        CandidateStatus.MERGED,
        user,
        timezone.now(),
    )
    candidate.save()
    return candidate


@action
@transaction.atomic
def mark_distinct(candidate: DuplicateCandidate, *, acting: Acting) -> DuplicateCandidate:
    candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.PENDING:
        raise ValidationError("This pair was already decided.")
    candidate.status, candidate.decided_by, candidate.decided_at = (
        CandidateStatus.DISTINCT,
        acting.audit_user,
        timezone.now(),
    )
    candidate.save()
    return candidate


@action
@transaction.atomic
def undo_merge(merge: LeadMerge, *, acting: Acting) -> LeadMerge:
    """Put both leads back as they were; remember the pair as distinct. A lead that was merged at
    intake was never routed: it is queued for routing now."""
    user = acting.audit_user
    merge = LeadMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError("This merge was already undone.")
    survivor = Lead.objects.select_for_update().get(pk=merge.survivor_id)
    merged = Lead.objects.select_for_update().get(pk=merge.merged_id)
    for lead, values in ((survivor, merge.before["survivor"]), (merged, merge.before["merged"])):
        for name in MERGED_FIELDS:
            setattr(lead, name, values.get(name, getattr(lead, name)))
    Touch.objects.filter(pk__in=merge.moved_touches).update(lead=merged)
    LeadEvent.objects.filter(pk__in=merge.moved_events).update(lead=merged)
    previous = merge.before["merged"]["status"]
    merged.duplicate_of = None
    if previous == LeadStatus.NEW or merged.routing_attempts == 0:
        merged.status, merged.processed_at = LeadStatus.NEW, None
    else:
        merged.status = previous
    survivor.save()
    merged.save()
    DuplicateCandidate.objects.update_or_create(
        lead=max(survivor, merged, key=lambda x: x.pk),
        other_lead=min(survivor, merged, key=lambda x: x.pk),
        defaults={
            "tenant": survivor.tenant,
            "score": merge.score or 0,
            "status": CandidateStatus.DISTINCT,
            "decided_by": user,
            "decided_at": timezone.now(),
        },
    )
    merge.undone_at, merge.undone_by = timezone.now(), user
    merge.save()
    now = timezone.now()
    for lead in (survivor, merged):
        LeadEvent.objects.create(
            tenant=lead.tenant,
            lead=lead,
            kind=EventKind.UNMERGED,
            occurred_at=now,
            actor_user=user,
            route=lead.route,
            detail=f"Merge of {merged.pk} into {survivor.pk} undone",
        )
    if merged.processed_at is None:
        queue_processing(merged.tenant_id, [merged.pk])
    return merge
