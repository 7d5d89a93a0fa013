"""The lead-ops engine: process new leads (enrich, deduplicate, route, assign, start SLA timers),
and everything that happens to a lead afterwards (accept, reject, touch, reassign, recall).

Exactly once. Intake stores a lead with `processed_at` empty and only then hands its id to the
queue. `process_batch` locks the leads (`SKIP LOCKED`), does all its work, and sets
`processed_at` in one transaction: a worker killed half-way leaves nothing behind, and a lead
already processed is skipped. `sweep_unprocessed` re-queues leads the broker lost or never got.
SLA steps work the same way on timer rows (`sweep_timers`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import KW_ONLY, dataclass, field, fields

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import SystemActor, action
from core.gcpause import collector_paused
from core.rows import save_rows
from guardrails.choices import Outcome
from guardrails.engine import (
    CompiledRulebook,
    Decision,
    Facts,
    FactsLoader,
    account_facts,
    apply_exception,
    work_exceptions,
)
from guardrails.models import Rulebook, RulebookVersion
from pipeline.choices import Channel, LeadStatus, TouchRoute
from pipeline.models import (
    LEAD_ENRICHED_FIELDS,
    LEAD_PERSON_FIELDS,
    LEAD_ROUTING_FIELDS,
    Lead,
    Touch,
)
from routing import assign, dedupe_service, enrich, notify, sla
from routing.calendar import WorkingTime, add_business_minutes
from routing.choices import EventKind, TimerKind, TimerState
from routing.journal import Journal, event_row
from routing.models import SlaTimer
from routing.queue import BATCH, queue_processing
from tenancy.acting import Acting
from tenancy.choices import PartnerStatus, Role
from tenancy.clock import local_text
from tenancy.models import Membership, Partner, Tenant, User

__all__ = [
    "accept_lead",
    "can_act",
    "log_touch",
    "process_batch",
    "reassign_lead",
    "reject_lead",
    "sweep_timers",
    "sweep_unprocessed",
]

OPEN = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)
REASSIGNABLE = (*OPEN, LeadStatus.UNROUTABLE)
# A lead waits this long for its queued processing before the sweeper takes it over.
UNPROCESSED_GRACE = dt.timedelta(seconds=30)
# A lead whose earlier duplicate is still being processed elsewhere waits this long, then merges.
POSTPONE_SECONDS = 2


# --- leads the queue lost ----------------------------------------------------------------------


def sweep_unprocessed(tenant: Tenant, *, now: dt.datetime | None = None) -> list[list[int]]:
    """Batches of leads that should have been processed by now."""
    now = now or timezone.now()
    ids = list(
        Lead.objects.filter(processed_at__isnull=True, created_at__lte=now - UNPROCESSED_GRACE)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:20000]
    )
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


# --- processing ---------------------------------------------------------------------------------


@dataclass
class Context(Journal):
    """What processing a batch needs, loaded once per batch; its journal collects the batch's
    timeline entries and notifications."""

    _: KW_ONLY
    today: dt.date
    compiled: CompiledRulebook | None
    loader: FactsLoader
    hours: WorkingTime
    policies: dict
    assigner: assign.Assigner
    account_facts: dict = field(default_factory=dict)
    exceptions: dict = field(default_factory=dict)  # approved work exceptions by account id

    @classmethod
    def load(cls, tenant: Tenant, now: dt.datetime | None = None) -> Context:
        now = now or timezone.now()
        rulebook = Rulebook.objects.select_related("active_version").filter(tenant=tenant).first()
        version = rulebook.active_version if rulebook else None
        today = timezone.localdate(now)
        return cls(
            tenant=tenant,
            now=now,
            today=today,
            compiled=CompiledRulebook.for_version(version, today) if version else None,
            loader=FactsLoader(),
            hours=sla.working_time(tenant),
            policies=sla.load_policies(),
            assigner=assign.Assigner(today),
        )

    def flush(self) -> None:
        self.assigner.save()
        super().flush()


LEAD_UPDATE_FIELDS = [
    *LEAD_PERSON_FIELDS,  # survivorship and the enrichment provider may fill them
    *LEAD_ENRICHED_FIELDS,
    "duplicate_of",
    *LEAD_ROUTING_FIELDS,
    "routing_attempts",
    "processed_at",
    "updated_at",
]


@action
def process_batch(
    tenant: Tenant, lead_ids: Iterable[int], *, acting: Acting, now: dt.datetime | None = None
) -> int:
    """Enrich, deduplicate, route and time the given leads that are not processed yet. Returns
    how many it processed. One transaction: all of it happens, or none of it. `acting` is named
    once for the whole batch (the processing job, as a SystemActor): automatic merges and routing
    are the system's, never a person's."""
    with collector_paused(), transaction.atomic():
        leads = list(
            Lead.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=list(lead_ids), processed_at__isnull=True)
            .order_by("created_at", "id")
        )
        if not leads:
            return 0
        ctx = Context.load(tenant, now)
        as_received = {lead.pk: _person(lead) for lead in leads}
        for lead in leads:
            ctx.event(lead, EventKind.RECEIVED, f"From {lead.get_source_display().lower()}")
        enrich.enrich_leads(leads, ctx)
        survivors, postponed = dedupe_service.deduplicate(leads, ctx)
        if postponed:  # left as they came, for a later batch
            leads = [lead for lead in leads if lead.pk not in postponed]
            ctx.forget(postponed)
            queue_processing(tenant.pk, postponed, countdown=POSTPONE_SECONDS)
        route_leads(survivors, ctx)
        for lead in leads:
            lead.processed_at = ctx.now
            lead.updated_at = ctx.now
        dedupe_service.saved_here(tenant, _save_leads(leads, as_received))
        ctx.flush()
    return len(leads)


def _person(lead: Lead) -> tuple:
    return tuple(getattr(lead, name) for name in LEAD_PERSON_FIELDS)


def _save_leads(leads: list[Lead], as_received: dict[int, tuple]) -> int | None:
    """Bulk-save processed leads with a new change sequence (returned), so the sync feed hands
    them out. The person's fields are written only when the batch changed some (survivorship, or the
    enrichment provider filled a gap): most batches leave them as they came."""
    changed = {
        name
        for lead in leads
        for name, old, new in zip(
            LEAD_PERSON_FIELDS, as_received[lead.pk], _person(lead), strict=True
        )
        if old != new
    }
    names = [
        name for name in LEAD_UPDATE_FIELDS if name not in LEAD_PERSON_FIELDS or name in changed
    ]
    return save_rows(Lead, leads, names)


# --- routing and assignment ---------------------------------------------------------------------


def decide(lead: Lead, ctx: Context) -> Decision | None:
    compiled = ctx.compiled
    if compiled is None:
        return None
    facts = enrich.lead_facts(lead, ctx)
    decision = compiled.decide(facts)
    if lead.account_id:
        decision = apply_exception(decision, ctx.exceptions.get(lead.account_id))
    lead.decision = _decision_record(decision, facts, compiled.version)
    return decision


def _decision_record(decision: Decision, facts: Facts, version: RulebookVersion) -> dict:
    """What the lead stores about its routing decision: enough to show why, and to explain it
    condition by condition later under the same version."""
    # Facts hold flat values and frozensets only: no deep copy (asdict) needed.
    snapshot = {
        f.name: sorted(v) if isinstance(v := getattr(facts, f.name), frozenset) else v
        for f in fields(facts)
    }
    return {
        "version": version.number,
        "version_id": version.pk,
        "rule_id": decision.rule_id,
        "rule": decision.rule_name,
        "rationale": decision.rationale,
        "outcome": decision.outcome,
        "target_team": decision.target_team_id,
        "target_partner": decision.target_partner_id,
        "eligible_partners": list(decision.eligible_partner_ids),
        "exception": decision.exception_id,
        "facts": snapshot,
        "excluded_partners": [],
        "excluded_users": [],
    }


def route_leads(leads: list[Lead], ctx: Context, *, keep: dict | None = None) -> None:
    """Decide and assign each lead, then start the SLA clocks of those routed. `keep`: entries of
    the stored decision that survive a re-route (who declined or lost the lead)."""
    accounts = {lead.account_id for lead in leads if lead.account_id}
    ctx.exceptions = work_exceptions(accounts, ctx.today)
    missing = accounts - set(ctx.account_facts)
    if missing:  # a re-route: enrichment did not load them
        ctx.account_facts.update(account_facts(missing))
    for lead in leads:
        decision = decide(lead, ctx)
        if keep:
            lead.decision.update(keep)
        _assign(lead, decision, ctx)
    routed = [lead for lead in leads if lead.status == LeadStatus.ROUTED]
    sla.start_timers(routed, hours=ctx.hours, policies=ctx.policies, now=ctx.now)


def _assign(lead: Lead, decision: Decision | None, ctx: Context) -> None:
    """Give the lead to a person or partner within the decision's target, or to the queue."""
    lead.routing_attempts += 1
    lead.assigned_at = ctx.now
    lead.assigned_user_id = lead.assigned_team_id = lead.assigned_partner_id = None
    record = lead.decision or {}
    excluded_partners = set(record.get("excluded_partners", []))
    excluded_users = set(record.get("excluded_users", []))
    if decision is None:
        return _unroutable(lead, ctx, "No rulebook is active yet.")
    outcome = decision.outcome
    if outcome in (Outcome.PARTNER, Outcome.OPEN):
        partner = _pick_partner(lead, decision, excluded_partners, ctx)
        if partner is not None:
            return _routed(lead, ctx, route="partner", partner_id=partner)
        if outcome == Outcome.PARTNER and not _direct_fallback(lead):
            return _unroutable(lead, ctx, "No eligible partner is available.")
    user_id, team_id = _pick_direct(lead, decision, excluded_users, ctx)
    if user_id is None and team_id is None:
        return _unroutable(lead, ctx, "No direct team or rep is available.")
    return _routed(lead, ctx, route="direct", user_id=user_id, team_id=team_id)


def _direct_fallback(lead: Lead) -> bool:
    """Partners exhausted: the lead falls back to direct when its account has a direct owner."""
    account = lead.account
    return bool(account and (account.owner_user_id or account.owner_team_id))


def _pick_partner(lead: Lead, decision: Decision, excluded: set, ctx: Context) -> int | None:
    account = lead.account
    eligible = list(decision.eligible_partner_ids)
    # First the partner who brought the lead (handing a partner's own find to a rival is the
    # channel conflict this product exists to prevent), then the account's partner, while they
    # take leads and the rules allow them.
    for first in (lead.submitted_by_partner_id, account.owner_partner_id if account else None):
        if not first or first in excluded or (eligible and first not in eligible):
            continue
        if ctx.assigner.available_partner(first, [first], excluded):
            ctx.assigner.take(f"partner:{first}")
            return first
    chosen = ctx.assigner.partner(eligible, excluded)
    return chosen.id if chosen else None


def _pick_direct(
    lead: Lead, decision: Decision, excluded: set, ctx: Context
) -> tuple[int | None, int | None]:
    account = lead.account
    owner_user = account.owner_user_id if account else None
    owner_team = account.owner_team_id if account else None
    team = decision.target_team_id or owner_team
    # The account's owner first, unless away or full: then the team's round robin covers.
    if owner_user and owner_user not in excluded and ctx.assigner.available_owner(owner_user):
        ctx.assigner.take(f"user:{owner_user}")
        return owner_user, owner_team or team
    if team is None:
        return None, None
    chosen = ctx.assigner.direct(team, excluded)
    return (chosen.id if chosen else None), team


def _routed(lead: Lead, ctx: Context, *, route: str, partner_id=None, user_id=None, team_id=None):
    lead.status = LeadStatus.ROUTED
    lead.route = route
    lead.assigned_partner_id, lead.assigned_user_id, lead.assigned_team_id = (
        partner_id,
        user_id,
        team_id,
    )
    rationale = (lead.decision or {}).get("rationale", "")
    ctx.event(lead, EventKind.ROUTED, rationale, partner_id=partner_id)
    who = ctx.partner_users(partner_id) if partner_id else [user_id]
    ctx.notify(who, kind=EventKind.ROUTED, title=f"New lead: {lead}", body=rationale, lead=lead)


def _unroutable(lead: Lead, ctx: Context, why: str) -> None:
    lead.status = LeadStatus.UNROUTABLE
    lead.route = ""
    ctx.event(lead, EventKind.UNROUTABLE, why)
    ctx.notify(
        ctx.admins(),
        kind=EventKind.UNROUTABLE,
        title=f"Lead needs routing: {lead}",
        body=why,
        lead=lead,
    )


# --- what users do with a lead ------------------------------------------------------------------


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).select_related("account").get(pk=lead.pk)


def can_act(lead: Lead, membership: Membership) -> bool:
    """Whether `membership` may accept, decline and touch the lead: its assignee (the partner's
    users, the rep, or the team while no rep has it), or a RevOps admin. The pages ask it to
    show the buttons; the actions below ask it again."""
    if membership.is_partner_user:
        return lead.assigned_partner_id == membership.partner_id
    if membership.is_admin:
        return True
    return lead.assigned_user_id == membership.user_id or (
        lead.assigned_user_id is None and lead.assigned_team_id == membership.team_id
    )


def _acting_person(acting: Acting) -> Membership:
    """The membership behind a person's action on a lead: the system never accepts, declines or
    touches a lead (who may is `can_act`'s rule, and it needs a person)."""
    if isinstance(acting, SystemActor):
        raise PermissionDenied("Only a person assigned to the lead can act on it.")
    return acting


@action
@transaction.atomic
def accept_lead(lead: Lead, *, acting: Acting, now: dt.datetime | None = None) -> Lead:
    membership = _acting_person(acting)
    lead = _locked(lead)
    now = now or timezone.now()
    if lead.status != LeadStatus.ROUTED:
        raise ValidationError(f"Only a routed lead can be accepted; this one is {lead.status}.")
    if not can_act(lead, membership):
        raise PermissionDenied("This lead is not assigned to you.")
    lead.status = LeadStatus.ACCEPTED
    lead.accepted_at = now
    if lead.assigned_user_id is None:
        lead.assigned_user_id = membership.user_id
    lead.save(update_fields=["status", "accepted_at", "assigned_user", "updated_at"])
    sla.stop_timers(lead, (TimerKind.ACCEPT,), state=TimerState.MET, now=now)
    _event(lead, EventKind.ACCEPTED, "", membership, now)
    return lead


@action
@transaction.atomic
def reject_lead(lead: Lead, *, acting: Acting, reason: str, now: dt.datetime | None = None) -> Lead:
    """The assignee declines; the lead goes to the next eligible target."""
    membership = _acting_person(acting)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": "Say why you decline the lead."})
    lead = _locked(lead)
    now = now or timezone.now()
    if lead.status not in (LeadStatus.ROUTED, LeadStatus.ACCEPTED):
        raise ValidationError(f"A lead that is {lead.status} cannot be declined.")
    if not can_act(lead, membership):
        raise PermissionDenied("This lead is not assigned to you.")
    _event(lead, EventKind.REJECTED, reason, membership, now)
    _exclude_current(lead)
    _reroute(lead, now)
    return lead


def _exclude_current(lead: Lead) -> None:
    record = dict(lead.decision or {})
    if lead.assigned_partner_id:
        record["excluded_partners"] = [
            *record.get("excluded_partners", []),
            lead.assigned_partner_id,
        ]
    elif lead.assigned_user_id:
        record["excluded_users"] = [*record.get("excluded_users", []), lead.assigned_user_id]
    lead.decision = record


def _reroute(lead: Lead, now: dt.datetime) -> None:
    """Assign the lead again under the active rules, skipping who declined or lost it."""
    sla.stop_timers(lead, sla.ALL_KINDS, state=TimerState.CANCELLED, now=now)
    ctx = Context.load(lead.tenant, now)
    excluded = {
        k: (lead.decision or {}).get(k, []) for k in ("excluded_partners", "excluded_users")
    }
    lead.accepted_at = None
    route_leads([lead], ctx, keep=excluded)
    lead.save()
    ctx.flush()


@action
@transaction.atomic
def reassign_lead(
    lead: Lead,
    *,
    acting: Acting,
    partner: Partner | None = None,
    user: User | None = None,
    now: dt.datetime | None = None,
) -> Lead:
    """An admin (or the team's manager) hands the lead to someone else by hand: to an active
    partner, or to a direct rep, whose team (the one of their seat) the lead goes to."""
    lead = _locked(lead)
    now = now or timezone.now()
    if sum(x is not None for x in (partner, user)) != 1:
        raise ValidationError("Choose one partner or one rep.")
    if lead.processed_at is None or lead.status not in REASSIGNABLE:
        raise ValidationError(
            f"{lead} is {lead.get_status_display().lower()}; only open or unroutable leads "
            "can be reassigned."
        )
    if partner is not None and partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            {"partner": f"{partner.name} is {partner.get_status_display().lower()}."}
        )
    team = None
    if user is not None:
        seat = Membership.objects.filter(
            user=user, is_active=True, role__in=Role.direct_roles()
        ).first()
        if seat is None:
            raise ValidationError({"user": f"{user} is not an active direct sales member."})
        team = seat.team
    sla.stop_timers(lead, sla.ALL_KINDS, state=TimerState.CANCELLED, now=now)
    lead.routing_attempts += 1
    lead.status = LeadStatus.ROUTED
    lead.accepted_at = None
    lead.assigned_at = now
    lead.route = "partner" if partner else "direct"
    lead.assigned_partner = partner
    lead.assigned_user = user
    lead.assigned_team = team
    lead.save()
    ctx = Context.load(lead.tenant, now)
    sla.start_timers([lead], hours=ctx.hours, policies=ctx.policies, now=now)
    _event(lead, EventKind.REASSIGNED, f"Reassigned to {partner or user}", acting, now)
    who = (
        [user.pk] if user is not None else notify.partner_users_of(partner.pk if partner else None)
    )
    notify.notify(
        who,
        tenant=lead.tenant,
        kind=EventKind.REASSIGNED,
        title=f"Lead assigned to you: {lead}",
        lead=lead,
    )
    return lead


@action
@transaction.atomic
def log_touch(
    lead: Lead,
    *,
    acting: Acting,
    channel: str,
    subject: str = "",
    occurred_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Touch:
    """Record a touch on the lead; the first one stops the SLA clocks and sets speed-to-lead."""
    if channel not in Channel.values:
        raise ValidationError({"channel": f"Expected one of {', '.join(Channel.values)}."})
    membership = _acting_person(acting)
    lead = _locked(lead)
    now = now or timezone.now()
    occurred_at = occurred_at or now
    _check_touch_time(lead, occurred_at, now)
    if lead.status not in OPEN:
        raise ValidationError(f"A lead that is {lead.status} cannot be touched.")
    if not can_act(lead, membership):
        raise PermissionDenied("This lead is not assigned to you.")
    partner_id = membership.partner_id if membership.is_partner_user else None
    touch = Touch.objects.create(
        tenant=lead.tenant,
        lead=lead,
        account=lead.account,
        contact=lead.contact,
        channel=channel,
        route=TouchRoute.PARTNER if partner_id else TouchRoute.DIRECT,
        actor_user_id=membership.user_id,
        actor_partner_id=partner_id,
        actor_team_id=membership.team_id,
        occurred_at=occurred_at,
        subject=subject[:300],
    )
    _event(
        lead,
        EventKind.TOUCHED,
        f"{touch.get_channel_display()}: {subject}"[:500],
        membership,
        occurred_at,
    )
    if lead.first_touch_at is None:
        lead.first_touch_at = occurred_at
        lead.speed_to_lead_seconds = max(0, int((occurred_at - lead.created_at).total_seconds()))
        if lead.sla_met is None:
            lead.sla_met = True
        sla.stop_timers(lead, sla.ALL_KINDS, state=TimerState.MET, now=now)
    if lead.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED):
        lead.accepted_at = lead.accepted_at or occurred_at
        lead.assigned_user_id = lead.assigned_user_id or membership.user_id
        lead.status = LeadStatus.WORKING
    lead.save()
    return touch


def _check_touch_time(lead: Lead, occurred_at: dt.datetime, now: dt.datetime) -> None:
    """A touch happened between the lead's arrival and now (a few minutes of clock skew allowed)."""
    if occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": "A touch cannot be in the future."})
    if occurred_at < lead.created_at - dt.timedelta(minutes=1):
        arrived = local_text(lead.created_at, lead.tenant)
        raise ValidationError(
            {"occurred_at": f"The lead arrived on {arrived}; a touch cannot be before that."}
        )


def _event(lead: Lead, kind: str, detail: str, acting: Acting, at: dt.datetime) -> None:
    """A timeline entry naming who acted (the system's name no one: `_system_event`)."""
    if isinstance(acting, SystemActor):
        return _system_event(lead, kind, detail, at)
    partner_id = acting.partner_id if acting.is_partner_user else None
    event_row(lead, kind, detail, at=at, user_id=acting.user_id, partner_id=partner_id).save()


# --- SLA sweep ----------------------------------------------------------------------------------


@action
def sweep_timers(
    tenant: Tenant, *, acting: Acting, now: dt.datetime | None = None, limit: int = 500
) -> int:
    """Perform every due SLA step: reminders, breaches with escalation, recalls. Each timer is
    handled in its own transaction under a row lock, so each step happens once."""
    now = now or timezone.now()
    clocks = _Clocks(policies=sla.load_policies(), hours=sla.working_time(tenant))
    done = 0
    while done < limit:
        with transaction.atomic():
            timer = (
                SlaTimer.objects.select_for_update(skip_locked=True)
                .due(now)
                .order_by("next_action_at", "id")
                .first()
            )
            if timer is None:
                break
            _step(timer, now, clocks)
        done += 1
    return done


@dataclass(frozen=True)
class _Clocks:
    """The tenant's SLA policies and calendar, read once per sweep."""

    policies: dict
    hours: WorkingTime


def _step(timer: SlaTimer, now: dt.datetime, clocks: _Clocks) -> None:
    lead = _locked(timer.lead)
    if lead.routing_attempts != timer.assignment or lead.status not in OPEN:
        timer.state, timer.stopped_at = TimerState.CANCELLED, now
        timer.next_action_at = now
        timer.save()
        return
    policy = sla.policy_for(lead.route, lead.priority, clocks.policies)
    owners = _owners(lead)
    label = TimerKind(timer.kind).label.lower()
    if timer.remind_at and timer.reminded_at is None and now < timer.due_at:
        timer.reminded_at = now
        timer.next_action_at = timer.due_at
        _system_event(
            lead, EventKind.REMINDED, f"{label} due {local_text(timer.due_at, lead.tenant)}", now
        )
        notify.notify(
            owners,
            tenant=lead.tenant,
            kind=EventKind.REMINDED,
            title=f"Reminder: {label} for {lead}",
            body=f"Due {local_text(timer.due_at, lead.tenant)}.",
            lead=lead,
        )
    elif timer.breached_at is None:
        _breach(lead, timer, policy, owners, label, now, clocks.hours)
    else:
        _recall_or_give_up(lead, timer, policy, now)
    timer.save()


def _owners(lead: Lead) -> list[int]:
    if lead.assigned_partner_id:
        return (
            [lead.assigned_user_id]
            if lead.assigned_user_id
            else notify.partner_users_of(lead.assigned_partner_id)
        )
    return (
        [lead.assigned_user_id]
        if lead.assigned_user_id
        else notify.managers_of(lead.assigned_team_id)
    )


def _breach(
    lead: Lead, timer: SlaTimer, policy, owners: list[int], label: str, now, hours: WorkingTime
) -> None:
    timer.breached_at = now
    timer.recall_at = add_business_minutes(hours, now, policy.recall_after_minutes)
    timer.next_action_at = timer.recall_at
    Lead.objects.filter(pk=lead.pk).update(sla_met=False)
    _system_event(
        lead,
        EventKind.BREACHED,
        f"{label} missed (due {local_text(timer.due_at, lead.tenant)})",
        now,
    )
    notify.notify(
        owners,
        tenant=lead.tenant,
        kind=EventKind.BREACHED,
        title=f"SLA missed: {label} for {lead}",
        lead=lead,
    )
    escalate_to = (
        notify.partner_admins_of(lead.assigned_partner_id)
        if lead.assigned_partner_id
        else notify.managers_of(lead.assigned_team_id)
    ) or notify.admins_of()
    _system_event(
        lead,
        EventKind.ESCALATED,
        "Escalated to " + ("the partner admin" if lead.assigned_partner_id else "the team manager"),
        now,
    )
    notify.notify(
        escalate_to,
        tenant=lead.tenant,
        kind=EventKind.ESCALATED,
        title=f"Escalation: {label} missed for {lead}",
        lead=lead,
    )


def _recall_or_give_up(lead: Lead, timer: SlaTimer, policy, now) -> None:
    if lead.recalls >= policy.max_recalls:
        timer.state, timer.stopped_at = TimerState.BREACHED, now
        timer.next_action_at = now
        notify.notify(
            notify.admins_of(),
            tenant=lead.tenant,
            kind=EventKind.BREACHED,
            title=f"Recall limit reached: {lead}",
            body="It stays where it is; reassign it by hand.",
            lead=lead,
        )
        return
    timer.state, timer.stopped_at = TimerState.RECALLED, now
    timer.next_action_at = now
    timer.save()
    _system_event(lead, EventKind.RECALLED, "Recalled after the SLA grace period", now)
    notify.notify(
        _owners(lead),
        tenant=lead.tenant,
        kind=EventKind.RECALLED,
        title=f"Lead recalled: {lead}",
        lead=lead,
    )
    lead.recalls += 1
    _exclude_current(lead)
    _reroute(lead, now)


def _system_event(lead: Lead, kind: str, detail: str, now) -> None:
    event_row(lead, kind, detail, at=now).save()
