"""The conflict engine: what stands against a claim on an end customer and product lines, and
the written tie-breaks that say who prevails. Run on submit, on every re-review and on demand
("check before I file"), the same way for every route.

What it looks for, for the end customer and each product line:
1. another open or approved registration by another party (a partner, or another direct team);
2. an open opportunity of another party;
3. a named account (reserved for the direct team) claimed by a partner;
4. an account the stored route decision (guardrails.AccountRoute) sends to another target;
5. an approved exception giving the account to another party;
6. touches logged by another party within the tenant's window.

Tie-breaks, applied identically to a distributor and a direct rep (docs/dealreg.md):
- the first complete registration wins: the party holding the claim (dealreg.models.Claim)
  prevails, and the later claim goes to the adjudication queue;
- the rules' route for the account wins over a registration against it, unless an exception for
  the registrant is approved;
- documented activity beats an idle claim: a protected registrant with no logged touch on the
  account within the idle window (counted from the start of protection) loses its protection to
  a registrant who has logged one; an open opportunity or recent touches of another party beat a
  registrant who has logged none, and go to a person otherwise.

Messages come in two versions: `reason` for the registrant names no other party, value or
discount ("already registered by another route until 12 March 2027"); `internal_reason` is for
the manufacturer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.sync import change_sequence
from core.webhooks.emit import emit_events
from dealreg.choices import ACTIVE_STATES, ConflictKind, ConflictStatus, RegState
from dealreg.models import Claim, DealRegistration, RegistrationConflict
from dealreg.services.state import settings_for
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.choices import Outcome as RouteOutcome
from guardrails.models import AccountRoute, RuleException
from pipeline.choices import Outcome, Route
from pipeline.models import Opportunity, OpportunityLine, Touch

__all__ = [
    "ACTIVITY_WINS",
    "FIRST_WINS",
    "RULES_WIN",
    "TIE_BREAKS",
    "Finding",
    "Party",
    "find_conflicts",
    "is_idle",
    "last_activity",
    "record_conflicts",
]


@dataclass(frozen=True)
class Party:
    """Who claims: the route, and the partner (partner route) or team and person (direct)."""

    route: str
    partner_id: int | None = None
    team_id: int | None = None
    user_id: int | None = None

    @classmethod
    def of(cls, registration: DealRegistration) -> Party:
        return cls(
            registration.route,
            registration.registrant_partner_id,
            registration.registrant_team_id,
            registration.registrant_user_id,
        )

    def same_side(self, route: str, partner_id: int | None, team_id: int | None) -> bool:
        if self.route == Route.PARTNER:
            return route == Route.PARTNER and partner_id == self.partner_id
        return route == Route.DIRECT and (team_id is None or team_id == self.team_id)

    def touches(self) -> Q:
        """The touches this party logged."""
        if self.route == Route.PARTNER:
            return Q(actor_partner_id=self.partner_id)
        mine = Q(actor_user_id=self.user_id) if self.user_id else Q(pk__in=[])
        if self.team_id:
            mine |= Q(actor_team_id=self.team_id)
        return mine & Q(actor_partner__isnull=True)


@dataclass
class Finding:
    kind: str
    reason: str
    internal_reason: str
    tie_break: str
    registrant_prevails: bool | None
    needs_adjudication: bool = False
    product_line: ProductLine | None = None
    other_registration: DealRegistration | None = None
    other_opportunity: Opportunity | None = None
    other_partner_id: int | None = None
    other_team_id: int | None = None
    other_until: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (
            self.kind,
            self.product_line.pk if self.product_line else None,
            self.other_registration.pk if self.other_registration else None,
            self.other_opportunity.pk if self.other_opportunity else None,
        )

    def for_registrant(self) -> dict[str, Any]:
        """What the registrant may read of it: the kind, the line and the reason. Nothing else."""
        return {
            "kind": self.kind,
            "product_line": self.product_line.code if self.product_line else None,
            "reason": self.reason,
            "registrant_prevails": self.registrant_prevails,
        }


FIRST_WINS = "The first complete registration wins."
RULES_WIN = "The rules' route for the account wins over a registration against it unless an exception is approved."
ACTIVITY_WINS = "Documented activity beats an idle claim."

# The written tie-breaks in order, each with what it means (the console's deal-registration
# settings page shows them from here; docs/dealreg.md says the same).
TIE_BREAKS: tuple[tuple[str, str], ...] = (
    (
        FIRST_WINS,
        "The party holding the claim prevails; the later claim records a conflict that goes to "
        "the adjudication queue, and both sides see that a conflict exists.",
    ),
    (
        RULES_WIN,
        "A named account, the rules' route for the account or another party's approved "
        "exception stands against the registrant: approval is refused until it is resolved.",
    ),
    (
        ACTIVITY_WINS,
        "A protected registrant with no logged touch on the account within the idle window "
        "(counted from the start of protection; direct reps included) loses its protection to a "
        "registrant who has logged one. An open opportunity or recent touches of another party "
        "stand against a registrant who has logged none, and go to a person when both sides "
        "are active.",
    ),
)


def _own_side_duplicates(
    other: DealRegistration, lines: dict[int, ProductLine], holders: dict[int, int]
) -> list[Finding]:
    """A colleague's registration of the same customer and line: not a conflict between routes
    but a second claim of one side. Said as such, with its number (it is the registrant's own
    side's); the earlier one keeps the claim, and no adjudication is needed."""
    found = []
    for line in other.lines.all():
        product_line = lines.get(line.product_line_id)
        if product_line is None:
            continue
        found.append(
            Finding(
                kind=ConflictKind.REGISTRATION,
                reason=(
                    f"Your own side already registered this account and product line "
                    f"({product_line.name}): registration #{other.pk}. Add to it rather than "
                    "file twice; this one does not take the claim."
                ),
                internal_reason=(
                    f"Registration #{other.pk} by the same "
                    f"{'partner' if other.route == Route.PARTNER else 'team'} "
                    f"({other.get_state_display().lower()})."
                ),
                tie_break=FIRST_WINS,
                registrant_prevails=False if holders.get(product_line.pk) == other.pk else None,
                needs_adjudication=False,
                product_line=product_line,
                other_registration=other,
                other_partner_id=other.registrant_partner_id,
                other_team_id=other.registrant_team_id,
                other_until=other.protected_until,
                extra={"own_side": True},
            )
        )
    return found


def _day(value: dt.date | None) -> str:
    return f"{value.day} {value:%B %Y}" if value else ""


def _party_name(partner_id: int | None, team_id: int | None, names: dict) -> str:
    if partner_id:
        return f"partner {names['partners'].get(partner_id, partner_id)}"
    if team_id:
        return f"direct team {names['teams'].get(team_id, team_id)}"
    return "the direct team"


def last_activity(account_id: int, party: Party) -> dt.datetime | None:
    touch = (
        Touch.objects.filter(party.touches(), account_id=account_id)
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    return touch


def is_idle(registration: DealRegistration, idle_days: int, now: dt.datetime) -> bool:
    """A protected registrant with no logged touch on the account within the idle window,
    counted from the start of protection (a fresh approval is not idle)."""
    if registration.state != RegState.APPROVED or registration.end_customer_id is None:
        return False
    since = registration.protection_starts_at or registration.submitted_at or now
    latest = last_activity(registration.end_customer_id, Party.of(registration))
    reference = max(since, latest) if latest else since
    return now - reference > dt.timedelta(days=idle_days)


def find_conflicts(
    account: Account,
    product_lines: Iterable[ProductLine],
    party: Party,
    *,
    exclude: DealRegistration | None = None,
    now: dt.datetime | None = None,
) -> list[Finding]:
    """Everything that stands against `party` claiming `product_lines` of `account`, with the
    tie-break that applies. Costs a fixed number of queries whatever the data."""
    now = now or timezone.now()
    settings = settings_for(account.tenant_id)
    lines = {pl.pk: pl for pl in product_lines}
    findings: list[Finding] = []
    own_latest = last_activity(account.pk, party)
    active_self = own_latest is not None and now - own_latest <= dt.timedelta(
        days=settings.idle_days
    )

    # 1. Other parties' open or approved registrations of these lines (by any route).
    holders = {
        c.product_line_id: c.registration_id
        for c in Claim.objects.filter(account=account, product_line_id__in=list(lines), active=True)
    }
    others = (
        DealRegistration.objects.filter(
            end_customer=account, state__in=ACTIVE_STATES, lines__product_line_id__in=list(lines)
        )
        .select_related("registrant_partner", "registrant_team")
        .prefetch_related("lines")
        .distinct()
        .order_by("submitted_at", "pk")
    )
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    for other in others:
        if party.same_side(other.route, other.registrant_partner_id, other.registrant_team_id):
            findings += _own_side_duplicates(other, lines, holders)
            continue
        who = _party_name(
            other.registrant_partner_id,
            other.registrant_team_id,
            {
                "partners": {other.registrant_partner_id: str(other.registrant_partner)},
                "teams": {other.registrant_team_id: str(other.registrant_team)},
            },
        )
        for line in other.lines.all():
            product_line = lines.get(line.product_line_id)
            if product_line is None:
                continue
            holds = holders.get(product_line.pk) == other.pk
            idle = holds and is_idle(other, settings.idle_days, now)
            until = other.protected_until
            if other.state == RegState.APPROVED and until:
                reason = (
                    f"This account and product line ({product_line.name}) are already registered "
                    f"by another route until {_day(until)}."
                )
            else:
                reason = (
                    f"This account and product line ({product_line.name}) are already registered "
                    "by another route; that registration is waiting for review."
                )
            if idle and active_self:
                prevails, rule, adjudicate = True, ACTIVITY_WINS, False
                reason += " Its holder has logged no activity lately and yours is documented, so you prevail."
            elif holds or not holders.get(product_line.pk):
                prevails, rule, adjudicate = False, FIRST_WINS, True
            else:
                prevails, rule, adjudicate = None, FIRST_WINS, True
            findings.append(
                Finding(
                    kind=ConflictKind.REGISTRATION,
                    reason=reason,
                    internal_reason=(
                        f"Registration #{other.pk} by {who} ({other.get_state_display().lower()}"
                        + (f", protected until {until}" if until else "")
                        + f", {other.estimated_amount} {other.currency}"
                        + (", idle" if idle else "")
                        + ")."
                    ),
                    tie_break=rule,
                    registrant_prevails=prevails,
                    needs_adjudication=adjudicate,
                    product_line=product_line,
                    other_registration=other,
                    other_partner_id=other.registrant_partner_id,
                    other_team_id=other.registrant_team_id,
                    other_until=until,
                    extra={"holds": holds, "idle": idle},
                )
            )

    # 2. Open opportunities of another party.
    opportunities = list(
        Opportunity.objects.filter(account=account, stage__outcome=Outcome.OPEN).select_related(
            "partner", "owner_team"
        )
    )
    lines_of: dict[int, set[int]] = {}
    if opportunities:
        for opportunity_id, line_id in OpportunityLine.objects.filter(
            opportunity__in=[o.pk for o in opportunities]
        ).values_list("opportunity_id", "product__product_line_id"):
            lines_of.setdefault(opportunity_id, set()).add(line_id)
    # An opportunity linked to another registration is that registration's: weighed above.
    linked = {other.opportunity_id for other in others if other.opportunity_id}
    for opportunity in opportunities:
        if opportunity.pk in linked:
            continue
        if party.same_side(opportunity.route, opportunity.partner_id, opportunity.owner_team_id):
            continue
        opportunity_lines = lines_of.get(opportunity.pk, set())
        if opportunity_lines and not opportunity_lines & set(lines):
            continue
        who = _party_name(
            opportunity.partner_id,
            opportunity.owner_team_id,
            {
                "partners": {opportunity.partner_id: str(opportunity.partner)},
                "teams": {opportunity.owner_team_id: str(opportunity.owner_team)},
            },
        )
        findings.append(
            Finding(
                kind=ConflictKind.OPPORTUNITY,
                reason="Another route already works an open opportunity on this account.",
                internal_reason=f"Open opportunity #{opportunity.pk} “{opportunity.name}” of {who}.",
                tie_break=ACTIVITY_WINS,
                registrant_prevails=None if active_self else False,
                needs_adjudication=True,
                other_opportunity=opportunity,
                other_partner_id=opportunity.partner_id,
                other_team_id=opportunity.owner_team_id,
            )
        )

    # 3-5. The rules: named accounts, the stored route decision, approved exceptions.
    today = timezone.localdate()
    exceptions = list(
        RuleException.objects.filter(
            account=account,
            kind=ExceptionKind.WORK_ACCOUNT,
            status=ExceptionStatus.APPROVED,
            ends_on__gte=today,
        ).order_by("reviewed_at", "id")
    )
    own_exception = next(
        (e for e in exceptions if party.same_side(_exception_route(e), e.partner_id, e.team_id)),
        None,
    )
    if own_exception is None:
        for exception in exceptions:
            findings.append(
                Finding(
                    kind=ConflictKind.EXCEPTION,
                    reason=(
                        "An approved exception gives this account to another route until "
                        f"{_day(exception.ends_on)}."
                    ),
                    internal_reason=f"Exception #{exception.pk} for "
                    + _party_name(exception.partner_id, exception.team_id, _names(exception))
                    + f" until {exception.ends_on}.",
                    tie_break=RULES_WIN,
                    registrant_prevails=False,
                    other_partner_id=exception.partner_id,
                    other_team_id=exception.team_id,
                    other_until=exception.ends_on,
                )
            )
        if account.named_account and party.route == Route.PARTNER:
            findings.append(
                Finding(
                    kind=ConflictKind.NAMED_ACCOUNT,
                    reason="This is a named account, served by the direct team.",
                    internal_reason="Named account reserved for the direct team.",
                    tie_break=RULES_WIN,
                    registrant_prevails=False,
                )
            )
        else:
            decision = AccountRoute.objects.filter(account=account).first()
            if decision is not None and _routed_elsewhere(decision, party):
                findings.append(
                    Finding(
                        kind=ConflictKind.RULE_ROUTE,
                        reason="The rules of engagement route this account to another route.",
                        internal_reason=f"The rules decide {decision.outcome}: {decision.rationale}",
                        tie_break=RULES_WIN,
                        registrant_prevails=False,
                        other_partner_id=decision.target_partner_id,
                        other_team_id=decision.target_team_id,
                    )
                )

    # 6. Recent touches by another party.
    window = now - dt.timedelta(days=settings.touch_window_days)
    theirs = (
        Touch.objects.filter(account=account, occurred_at__gte=window)
        .exclude(party.touches())
        .exclude(route="marketing")
        .values_list("actor_partner_id", "actor_team_id", "actor_partner__name", "actor_team__name")
    )
    partners: dict[int, str] = {}
    teams: dict[int, str] = {}
    other_parties = set()
    for p, t, partner_name, team_name in theirs:
        if party.same_side(Route.PARTNER if p else Route.DIRECT, p, t):
            continue
        other_parties.add((p, t))
        if p:
            partners[p] = partner_name
        if t:
            teams[t] = team_name
    if other_parties:
        who = ", ".join(
            sorted(
                _party_name(p, t, {"partners": partners, "teams": teams}) for p, t in other_parties
            )
        )
        findings.append(
            Finding(
                kind=ConflictKind.TOUCHES,
                reason=(
                    "Another route logged activity on this account in the last "
                    f"{settings.touch_window_days} days."
                ),
                internal_reason=f"Recent touches by {who}.",
                tie_break=ACTIVITY_WINS,
                registrant_prevails=True if active_self else None,
                needs_adjudication=not active_self,
            )
        )
    return findings


def _names(exception: RuleException) -> dict[str, dict]:
    return {
        "partners": {exception.partner_id: str(exception.partner) if exception.partner_id else ""},
        "teams": {exception.team_id: str(exception.team) if exception.team_id else ""},
    }


def _exception_route(exception: RuleException) -> str:
    return Route.PARTNER if exception.partner_id else Route.DIRECT


def _routed_elsewhere(decision: AccountRoute, party: Party) -> bool:
    if decision.outcome == RouteOutcome.OPEN:
        return False
    if decision.outcome == RouteOutcome.DIRECT:
        if party.route == Route.PARTNER:
            return True
        return bool(decision.target_team_id and party.team_id != decision.target_team_id)
    # The partner route: a direct claim, or a partner the rules do not name.
    if party.route == Route.DIRECT:
        return True
    eligible = set(decision.eligible_partners or [])
    if decision.target_partner_id:
        eligible.add(decision.target_partner_id)
    return bool(eligible) and party.partner_id not in eligible


def record_conflicts(
    registration: DealRegistration, findings: list[Finding]
) -> list[RegistrationConflict]:
    """Store the findings on the registration (and, for another registration, the mirror entry
    on it, so both sides see the conflict). Open conflicts found earlier and no longer present
    are resolved; conflicts a person already resolved are not raised again."""
    existing = list(RegistrationConflict.objects.filter(registration=registration))
    by_key = {_key_of(c): c for c in existing}
    seen = set()
    written = []
    for finding in findings:
        key = finding.key
        seen.add(key)
        current = by_key.get(key)
        if current is not None:
            if current.status == ConflictStatus.OPEN:
                current.reason, current.internal_reason = (
                    finding.reason[:500],
                    finding.internal_reason[:500],
                )
                current.registrant_prevails = finding.registrant_prevails
                current.needs_adjudication = finding.needs_adjudication
                current.tie_break = finding.tie_break
                current.save()
            written.append(current)
            continue
        written.append(_store(registration, finding))
        other = finding.other_registration
        if (
            other is not None
            and not RegistrationConflict.objects.filter(
                registration=other,
                kind=finding.kind,
                product_line=finding.product_line,
                other_registration=registration,
            ).exists()
        ):
            _store(
                other,
                Finding(
                    kind=finding.kind,
                    reason=(
                        "Another route registered this account and product line "
                        f"({finding.product_line.name if finding.product_line else ''}) too."
                    ),
                    internal_reason=f"Registration #{registration.pk} claims it too.",
                    tie_break=finding.tie_break,
                    registrant_prevails=None
                    if finding.registrant_prevails is None
                    else not finding.registrant_prevails,
                    needs_adjudication=finding.needs_adjudication,
                    product_line=finding.product_line,
                    other_registration=registration,
                    other_partner_id=registration.registrant_partner_id,
                    other_team_id=registration.registrant_team_id,
                ),
                bump=True,
            )
    for key, conflict in by_key.items():
        if key not in seen and conflict.status == ConflictStatus.OPEN:
            conflict.status = ConflictStatus.RESOLVED
            conflict.tie_break = "No longer found on re-review."
            conflict.save()
    has_open = RegistrationConflict.objects.filter(
        registration=registration, status=ConflictStatus.OPEN
    ).exists()
    if registration.has_conflict != has_open:
        registration.has_conflict = has_open
    return written


def _key_of(conflict: RegistrationConflict) -> tuple:
    return (
        conflict.kind,
        conflict.product_line_id,
        conflict.other_registration_id,
        conflict.other_opportunity_id,
    )


def _store(
    registration: DealRegistration, finding: Finding, *, bump: bool = False
) -> RegistrationConflict:
    conflict = RegistrationConflict.objects.create(
        tenant_id=registration.tenant_id,
        registration=registration,
        kind=finding.kind,
        product_line=finding.product_line,
        other_registration=finding.other_registration,
        other_opportunity=finding.other_opportunity,
        other_partner_id=finding.other_partner_id,
        other_team_id=finding.other_team_id,
        other_until=finding.other_until,
        reason=finding.reason[:500],
        internal_reason=finding.internal_reason[:500],
        tie_break=finding.tie_break[:300],
        registrant_prevails=finding.registrant_prevails,
        needs_adjudication=finding.needs_adjudication,
    )
    if registration.has_conflict:
        return conflict
    registration.has_conflict = True
    if not bump:
        return conflict  # the caller saves the registration it works on
    # The other side's registration changes too: a new version in the sync feed and a webhook.
    DealRegistration.objects.filter(pk=registration.pk, has_conflict=False).update(
        has_conflict=True,
        version=F("version") + 1,
        sync_seq=change_sequence(),
        updated_at=timezone.now(),
    )
    emit_events("updated", [registration])
    return conflict
