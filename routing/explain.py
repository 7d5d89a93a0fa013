"""Why a lead is where it is and what happens next, in words the viewer may read: the one place
that words a lead's status for the people around it.

`explain(lead, membership)` (and `explain_many` for a page of leads) answers, for the viewer's
audience:
- what is going on (routed to you, given to someone else, no one could be given it, merged …),
- what happens next and who looks at it ("the RevOps team at Acme reviews leads no one could be
  given"),
- by when: the deadline of the running SLA clock (set from the tenant's SLA policy and business
  calendar when the lead was routed), or plainly that no deadline is set,
- what happened before (declined by an earlier recipient, recalled after a missed deadline,
  waiting for a duplicate check).

Audiences: "partner" (a partner's people: never another partner's name, a person's name, or a
rule), "direct" (the manufacturer's reps and managers: no other rep's name either), "revops" (the
RevOps admins; the console's lead page keeps its full rule-by-rule explanation besides). Used by
the portal's submissions list, the lead pages of the portal and the sales door, and the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.choices import CandidateStatus, EventKind, TimerKind, TimerState
from routing.models import DuplicateCandidate, LeadEvent, SlaTimer
from tenancy.clock import local_text
from tenancy.models import Membership, Tenant

__all__ = ["AUDIENCES", "Explanation", "audience_of", "explain", "explain_many"]

AUDIENCES = ("partner", "direct", "revops")
NO_DEADLINE = "No deadline is set."

# Why routing gave the lead to no one (routing.services._unroutable), per audience.
UNROUTABLE_WHY = {
    "No rulebook is active yet.": {
        "partner": "the manufacturer's routing rules are not set up yet",
        "direct": "no rulebook is active yet",
        "revops": "no rulebook is active yet: publish one, then assign this lead",
    },
    "No eligible partner is available.": {
        "partner": "the rules give it to partners, and none that may take it could take it now",
        "direct": "the rules give it to partners, none could take it now, and its account has no "
        "direct owner to fall back to",
        "revops": "the rules give it to partners, none eligible could take it (away, full, not "
        "taking leads or declined), and its account has no direct owner to fall back to",
    },
    "No direct team or rep is available.": {
        "partner": "no one on the manufacturer's sales team could take it now",
        "direct": "no direct team or rep could take it now (away, full or not taking leads)",
        "revops": "the rule falls through to direct sales and no team or rep could take it "
        "(away, full, not taking leads, or no team named by the rule or the account)",
    },
}
UNROUTABLE_FALLBACK = {
    "partner": "no one could take it now",
    "direct": "no one could take it now",
    "revops": "no one could take it",
}


@dataclass(frozen=True)
class Explanation:
    """A lead's status in words. `deadline` is None when no deadline applies."""

    status: str
    summary: str
    next_step: str
    reviewer: str
    deadline: dt.datetime | None = None
    deadline_text: str = NO_DEADLINE
    history: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        """All of it in one paragraph (the inbox's line, notifications)."""
        return " ".join(p for p in (self.summary, *self.history, self.next_step) if p)


def audience_of(membership: Membership) -> str:
    if membership.is_partner_user:
        return "partner"
    return "revops" if membership.is_admin else "direct"


@dataclass
class _Facts:
    """What the wording needs beyond the lead, loaded for a page of leads at once."""

    unroutable_why: dict[int, str] = field(default_factory=dict)
    declines: Counter = field(default_factory=Counter)
    in_review: set[int] = field(default_factory=set)
    deadlines: dict[int, dt.datetime] = field(default_factory=dict)


def _load(leads: list[Lead]) -> _Facts:
    ids = [lead.pk for lead in leads]
    facts = _Facts()
    if not ids:
        return facts
    unroutable = [lead.pk for lead in leads if lead.status == LeadStatus.UNROUTABLE]
    if unroutable:
        rows = LeadEvent.objects.filter(lead_id__in=unroutable, kind=EventKind.UNROUTABLE)
        for lead_id, detail in rows.order_by("occurred_at", "id").values_list("lead_id", "detail"):
            facts.unroutable_why[lead_id] = detail  # the latest wins
    declined = (
        LeadEvent.objects.filter(lead_id__in=ids, kind=EventKind.REJECTED)
        .values("lead_id")
        .annotate(n=Count("id"))
    )
    facts.declines = Counter({row["lead_id"]: row["n"] for row in declined})
    facts.in_review = set(
        DuplicateCandidate.objects.filter(
            lead_id__in=ids, status=CandidateStatus.PENDING
        ).values_list("lead_id", flat=True)
    )
    timed = {
        lead.pk: lead
        for lead in leads
        if lead.status in (LeadStatus.ROUTED, LeadStatus.ACCEPTED)
        and getattr(lead, "sla_due_at", None) is None
    }
    for lead in leads:
        due = getattr(lead, "sla_due_at", None)
        if due is not None:
            facts.deadlines[lead.pk] = due
    if timed:
        timers = SlaTimer.objects.filter(lead_id__in=list(timed), state=TimerState.RUNNING)
        for lead_id, kind, assignment, due in timers.values_list(
            "lead_id", "kind", "assignment", "due_at"
        ):
            lead = timed[lead_id]
            wanted = TimerKind.ACCEPT if lead.status == LeadStatus.ROUTED else TimerKind.FIRST_TOUCH
            if kind == wanted and assignment == lead.routing_attempts:
                facts.deadlines[lead_id] = due
    return facts


def _when(tenant: Tenant, moment: dt.datetime) -> str:
    # In the tenant's zone, which the page's footer names once (tenancy/clock.py).
    return local_text(moment, tenant)


def _relation(lead: Lead, membership: Membership) -> str:
    """Who holds the lead, seen from the viewer: "you", "your company", "your team", "partner"
    (another partner, or a partner for the direct side), "direct" (the manufacturer's sales
    team), "other-rep", or "nobody"."""
    if membership.is_partner_user:
        if lead.assigned_partner_id:
            if lead.assigned_partner_id == membership.partner_id:
                return "you" if lead.assigned_user_id == membership.user_id else "your company"
            return "partner"
        return "direct" if lead.route == "direct" else "nobody"
    if lead.assigned_partner_id:
        return "partner"
    if lead.assigned_user_id:
        return "you" if lead.assigned_user_id == membership.user_id else "other-rep"
    if lead.assigned_team_id:
        return "your team" if lead.assigned_team_id == membership.team_id else "direct"
    return "nobody"


HOLDER_WORDS = {
    "partner": {
        "you": "you",
        "your company": "your company",
        "partner": "another partner",
        "direct": "the manufacturer's sales team",
        "nobody": "no one yet",
    },
    "direct": {
        "you": "you",
        "your team": "your team",
        "partner": "a partner",
        "other-rep": "another rep",
        "direct": "another direct team",
        "nobody": "no one yet",
    },
}


def _holder(relation: str, audience: str) -> str:
    words = HOLDER_WORDS["partner" if audience == "partner" else "direct"]
    return words.get(relation, "someone else")


def _history(lead: Lead, facts: _Facts, audience: str, revops: str) -> tuple[str, ...]:
    lines = []
    declines = facts.declines.get(lead.pk, 0)
    if declines:
        times = "once" if declines == 1 else f"{declines} times"
        lines.append(f"It was declined {times} before and offered to the next in line.")
    if lead.recalls:
        times = "once" if lead.recalls == 1 else f"{lead.recalls} times"
        lines.append(
            f"It was taken back {times} after a deadline was missed and offered to the next in "
            "line."
        )
    if lead.pk in facts.in_review:
        lines.append(
            f"It may be the same person as another lead or contact: {revops} checks; if so, the "
            "two are merged and followed up as one (no deadline is set for this check)."
        )
    return tuple(lines)


def explain(lead: Lead, membership: Membership, *, audience: str | None = None) -> Explanation:
    """`lead`'s status, worded for `membership` (or for `audience`)."""
    return explain_many([lead], membership, audience=audience)[lead.pk]


def explain_many(
    leads: Iterable[Lead], membership: Membership, *, audience: str | None = None
) -> dict[int, Explanation]:
    """Each lead's explanation by id, with one query per kind of fact for all of them."""
    rows = list(leads)
    facts = _load(rows)
    audience = audience or audience_of(membership)
    tenant = membership.tenant
    return {lead.pk: _explain(lead, membership, audience, tenant, facts) for lead in rows}


def _explain(
    lead: Lead, membership: Membership, audience: str, tenant: Tenant, facts: _Facts
) -> Explanation:
    revops = f"the RevOps team at {tenant.name}"
    history = _history(lead, facts, audience, revops)
    status = lead.status
    relation = _relation(lead, membership)
    holder = _holder(relation, audience)
    ours = relation in ("you", "your company", "your team") or (
        audience == "revops" and relation != "nobody"
    )
    if audience == "revops" and relation not in ("nobody",):
        holder = "its assignee"
    due = facts.deadlines.get(lead.pk)

    def made(summary: str, next_step: str, reviewer: str, deadline: dt.datetime | None = None):
        text = f"By {_when(tenant, deadline)}." if deadline else NO_DEADLINE
        return Explanation(status, summary, next_step, reviewer, deadline, text, history)

    if status == LeadStatus.NEW:
        return made(
            "Received; it is being checked against known customers and duplicates and routed.",
            "Routing runs by itself, usually within moments; this page then shows where it went.",
            "The routing rules (automatic)",
        )
    if status == LeadStatus.UNROUTABLE:
        why = UNROUTABLE_WHY.get(facts.unroutable_why.get(lead.pk, ""), UNROUTABLE_FALLBACK)
        reason = why[audience] if isinstance(why, dict) else why
        if audience == "revops":
            return made(
                f"No one could be given this lead: {reason}.",
                "It waits in the console's lead queue until you assign it by hand.",
                "You (RevOps)",
            )
        return made(
            f"No one could be given this lead yet: {reason}.",
            f"{revops[0].upper()}{revops[1:]} reviews leads no one could be given and assigns "
            "them by hand; this page shows where it goes.",
            revops[0].upper() + revops[1:],
        )
    if status == LeadStatus.ROUTED:
        if ours:
            who = {"you": "you", "your company": "your company", "your team": "your team"}.get(
                relation, "its assignee"
            )
            deadline = (
                f"If no one accepts it by {_when(tenant, due)}, it is taken back and offered to the "
                "next in line."
                if due
                else "No deadline is set for accepting it."
            )
            return made(
                f"Routed to {who}; waiting to be accepted.",
                f"Accept it, or decline it with a reason so it goes to the next in line. {deadline}",
                who[0].upper() + who[1:],
                due,
            )
        return made(
            f"Given to {holder}; waiting for them to accept it.",
            "If they do not accept it in time, it is offered to the next in line; you see its "
            "status here.",
            holder[0].upper() + holder[1:],
        )
    if status == LeadStatus.ACCEPTED:
        if ours:
            touch = (
                f"Log the first touch (a call, an email, a meeting) by {_when(tenant, due)}."
                if due
                else "No deadline is set for the first touch."
            )
            return made("Accepted; waiting for its first touch.", touch, "Its assignee", due)
        return made(
            f"Accepted by {holder}, who follows it up.",
            "Nothing is needed from you; you see its status here.",
            holder[0].upper() + holder[1:],
        )
    if status == LeadStatus.WORKING:
        return made(
            "Being worked: it has been followed up."
            if ours
            else f"Being worked by {holder}: it has been followed up.",
            "Log touches as you go; it closes when converted or disqualified."
            if ours
            else "Nothing is needed from you; you see its status here.",
            "Its assignee" if ours else holder[0].upper() + holder[1:],
        )
    if status == LeadStatus.CONVERTED:
        return made(
            "Converted: it became a sales opportunity.",
            "Nothing further happens to the lead itself.",
            "No one: it is closed",
        )
    if status == LeadStatus.DISQUALIFIED:
        return made(
            "Disqualified by whoever followed it up.",
            "Nothing further happens to the lead.",
            "No one: it is closed",
        )
    if status == LeadStatus.MERGED:
        return made(
            "The same person as an earlier lead: it was merged into that one.",
            "The earlier lead is followed up in its place; nothing further happens to this one.",
            "No one: it is closed",
        )
    return made(lead.get_status_display(), "", "")
