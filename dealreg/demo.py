"""Demo deal registrations for acme and globex, made through the real services, so every queue
and page has something to show: a registration in every state (draft, submitted, under review,
returned, approved, approved with an extension waiting, rejected, withdrawn, expired, won, lost),
a conflict between a distributor and a direct rep waiting for adjudication, an adjudicated 70/30
split, and the tenant's settings.

The registrations carry external ids (DEMO-R-<scenario>-<n>); a tenant seeded before is left
alone, so seeding again adds nothing. Customers are picked among the tenant's accounts where the
claim is clean for its registrant (the rules, authorizations and conflict engine agree), so the
approvals go through as they would for a real user.

Behind them lie two years of decided registrations on the pipeline demo's deals (`_History`,
DEMO-RH-...), written after the scenarios as the services would have left them, so the
scorecards' registration SLA and conflict rate have a history.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import SystemActor
from core.audit import audit_context
from core.seeding import backdate
from core.sync import change_sequence
from core.tenancy import tenant_scope
from dealreg.choices import (
    Action,
    ClockKind,
    ClockSide,
    ClockState,
    ConflictKind,
    ConflictStatus,
    RegState,
)
from dealreg.models import (
    Claim,
    DealRegistration,
    RegistrationClock,
    RegistrationConflict,
    RegistrationEvent,
    RegistrationLine,
)
from dealreg.services import adjudication
from dealreg.services import registrations as regs
from dealreg.services.conflicts import Party, find_conflicts
from dealreg.services.state import TransitionRefused, settings_for
from guardrails.models import AccountRoute, RegistrationCriteria
from guardrails.services.registration import check_registration
from guardrails.services.versions import active_version
from pipeline.demo import HISTORY_DAYS
from pipeline.models import Opportunity, OpportunityLine, Stage, Touch
from routing.calendar import add_business_minutes
from routing.models import Notification
from routing.sla import working_time
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant

__all__ = ["seed"]

SEEDING = SystemActor("demo seeding")
SLUGS = ("acme", "globex")
CANDIDATES = 80
COMPETITORS = ("Vendor Nord", "Hydro Global", "TechnoPress", "Atlas Machines")


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug in SLUGS:
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant), audit_context(source="command"):
            seeder = _Seeder(tenant)
            made = seeder.run()
            earlier = _History(tenant, seeder.admin).run()
        if stdout is not None:
            skipped = f"; skipped: {', '.join(seeder.skipped)}" if seeder.skipped else ""
            stdout.write(
                f"dealreg: {slug}: {made} registrations created{skipped}; {earlier} of the two "
                "years before"
            )


class _Seeder:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        members = Membership.objects.filter(is_active=True).select_related(
            "user", "partner", "team"
        )
        by_role: dict[str, list[Membership]] = {}
        for membership in members.order_by("user__email"):
            by_role.setdefault(membership.role, []).append(membership)
        self.admin = by_role[Role.REVOPS_ADMIN][0]
        self.reps = by_role.get(Role.DIRECT_REP, []) + by_role.get(Role.DIRECT_MANAGER, [])
        self.partners = by_role.get(Role.PARTNER_REP, []) + by_role.get(Role.PARTNER_ADMIN, [])
        self.version = active_version(tenant)
        self.used: set[int] = set()
        self.made = 0
        self.number = 0
        self.skipped: list[str] = []
        self.began = timezone.now()

    # --- picking a clean customer --------------------------------------------------------

    def _clean(self, membership: Membership) -> tuple[Account, ProductLine] | None:
        """A customer and line this registrant can claim cleanly: the rules and criteria agree,
        no other party has an open opportunity there, and nothing but others' touches stands
        against it (the registrant then logs its own visit: documented activity)."""
        defaults = regs.registrant_defaults(membership)
        party = Party(
            defaults["route"],
            getattr(defaults["registrant_partner"], "pk", None),
            getattr(defaults["registrant_team"], "pk", None),
            membership.user_id,
        )
        busy = set(
            Opportunity.objects.filter(stage__outcome="open").values_list("account_id", flat=True)
        )
        routes = AccountRoute.objects.exclude(account_id__in=self.used | busy).filter(
            outcome__in=["partner", "open"] if party.partner_id else ["direct", "open"]
        )
        criteria = RegistrationCriteria.objects.filter(version=self.version).first()
        lines = list(ProductLine.objects.order_by("code"))
        if criteria is not None and criteria.eligible_product_lines:
            lines = [pl for pl in lines if pl.code in criteria.eligible_product_lines]
        for route in routes.select_related("account").order_by("account_id")[:CANDIDATES]:
            account = route.account
            if account.named_account and party.partner_id:
                continue
            for line in lines:
                if self.version is not None and check_registration(
                    self.version,
                    partner=defaults["registrant_partner"],
                    account=account,
                    amount=Decimal(80000),
                    product_lines=[line],
                    provided_fields={
                        "contact",
                        "expected_close_on",
                        "products",
                        "competitor",
                        "budget",
                    },
                ):
                    continue
                if Claim.objects.filter(account=account, product_line=line, active=True).exists():
                    continue
                findings = find_conflicts(account, [line], party)
                if any(
                    f.kind != ConflictKind.TOUCHES and not f.registrant_prevails for f in findings
                ):
                    break  # another party holds this account: try the next one
                self.used.add(account.pk)
                Touch.objects.create(
                    tenant=self.tenant,
                    account=account,
                    channel="meeting",
                    route=party.route,
                    actor_partner_id=party.partner_id,
                    actor_team_id=party.team_id,
                    actor_user_id=membership.user_id,
                    occurred_at=timezone.now() - dt.timedelta(days=3),
                    subject="Site visit: project scoping",
                )
                return account, line
        return None

    # --- making registrations -----------------------------------------------------------------

    def _draft(
        self, membership: Membership, title: str, pick: tuple[Account, ProductLine], **extra: Any
    ) -> DealRegistration:
        account, line = pick
        self.number += 1
        registration = DealRegistration.objects.create(
            tenant=self.tenant,
            external_id=f"DEMO-R-{self.key}-{self.number}",
            title=title,
            end_customer=account,
            contact_name="Plant manager",
            contact_email=f"plant@{account.pk}.customer.example",
            estimated_amount=Decimal(80000),
            currency=self.tenant.currency,
            expected_close_on=timezone.localdate() + dt.timedelta(days=75),
            competitor=COMPETITORS[self.number % len(COMPETITORS)],
            incumbent=COMPETITORS[(self.number + 1) % len(COMPETITORS)],
            how_found="Site visit and a request for quotation",
            budget_confirmed=True,
            notes="Replacement of two lines in the main plant.",
            **regs.registrant_defaults(membership),
            **extra,
        )
        regs.set_lines(
            registration,
            [
                {
                    "product_line": line,
                    "quantity": Decimal(2),
                    "amount": Decimal(80000),
                    "requested_discount": Decimal(extra.pop("discount", 5))
                    if False
                    else Decimal(5),
                }
            ],
        )
        self.made += 1
        return registration

    def _scenario(self, key: str, fn: Any) -> None:
        self.key = key
        self.number = 0
        made = self.made
        try:
            with transaction.atomic():
                fn()
        except (ValidationError, TransitionRefused) as refused:
            # A tenant without a clean customer for this scenario simply lacks it.
            self.made = made
            self.skipped.append(f"{key} ({refused})")

    def run(self) -> int:
        if DealRegistration.objects.filter(external_id__startswith="DEMO-R-").exists():
            return 0  # seeded before: the scenarios are made once, as a whole
        settings_for(self.tenant)
        if not self.partners or not self.reps or self.version is None:
            return 0
        partner, rep = self._busiest(self.partners), self._busiest(self.reps)
        states = {
            "draft": (partner, []),
            "submitted": (rep, ["submit"]),
            "review": (partner, ["submit", "start_review"]),
            "returned": (partner, ["submit", "return"]),
            "approved": (rep, ["submit", "approve"]),
            "extension": (partner, ["submit", "approve", "extension"]),
            "rejected": (partner, ["submit", "reject"]),
            "withdrawn": (rep, ["submit", "withdraw"]),
            "expired": (partner, ["submit", "approve", "expire"]),
            "won": (rep, ["submit", "approve", "won"]),
            "lost": (partner, ["submit", "approve", "lost"]),
        }
        for key, (who, steps) in states.items():
            self._scenario(key, lambda who=who, steps=steps, key=key: self._walk(who, key, steps))
        self._scenario("conflict", lambda: self._conflict(partner, rep, decide=False))
        self._scenario("split", lambda: self._conflict(partner, self.reps[-1], decide=True))
        # Seeding sends no email: the notifications the scenarios wrote count as emailed.
        Notification.objects.filter(created_at__gte=self.began, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        return self.made

    def _busiest(self, people: list[Membership]) -> Membership:
        """The person whose partner or team the rules send the most accounts to."""

        def routed(membership: Membership) -> int:
            if membership.partner_id:
                return AccountRoute.objects.filter(target_partner_id=membership.partner_id).count()
            return AccountRoute.objects.filter(target_team_id=membership.team_id).count()

        return max(people, key=lambda m: (routed(m), -m.pk))

    def _approve(self, registration: DealRegistration) -> None:
        while registration.state != "approved":
            regs.approve(registration, acting=self.admin)

    def _walk(self, who: Membership, key: str, steps: list[str]) -> None:
        pick = self._clean(who)
        if pick is None:
            return
        registration = self._draft(who, f"{pick[0].name}: {pick[1].name} ({key})", pick)
        for step in steps:
            if step == "submit":
                regs.submit(registration, acting=who)
            elif step == "start_review":
                regs.start_review(registration, acting=self.admin)
            elif step == "return":
                regs.return_for_info(
                    registration,
                    fields=["competitor", "notes"],
                    note="Who else is quoting, and what is the project timeline?",
                    acting=self.admin,
                )
            elif step == "approve":
                self._approve(registration)
            elif step == "extension":
                regs.request_extension(
                    registration, reason="The customer's budget round moved.", acting=who
                )
            elif step == "reject":
                regs.reject(
                    registration,
                    reason=settings_for(self.tenant).rejection_reasons[2],
                    text="No project or budget confirmed by the customer yet.",
                    acting=self.admin,
                )
            elif step == "withdraw":
                regs.withdraw(
                    registration, reason="The customer postponed the project.", acting=who
                )
            elif step == "expire":
                regs.expire(registration, acting=SEEDING)
            elif step in ("won", "lost"):
                opportunity = registration.opportunity
                assert opportunity is not None
                opportunity.stage = Stage.objects.get(key=f"closed-{step}")
                opportunity.close_reason = "Demo: decided by the customer."
                opportunity.save()

    def _conflict(self, partner: Membership, rep: Membership, *, decide: bool) -> None:
        pick = self._clean(partner)
        if pick is None:
            return
        first = self._draft(partner, f"{pick[0].name}: {pick[1].name} (distributor)", pick)
        regs.submit(first, acting=partner)
        second = self._draft(rep, f"{pick[0].name}: {pick[1].name} (direct)", pick)
        regs.submit(second, acting=rep)
        if decide:
            split = settings_for(self.tenant).split_options[0]
            adjudication.adjudicate(
                [first, second],
                decision="split",
                split=split,
                reason="The distributor found the project; the direct team runs the installation.",
                acting=self.admin,
            )


# --- two years of registrations --------------------------------------------------------------

HISTORY_PREFIX = "DEMO-RH"
# Share of the deals each route found that it had registered first.
REGISTERED = {"partner": 0.65, "direct": 0.25}
# Registrations the manufacturer turned down or that came to nothing, per registered deal.
UNSUCCESSFUL = 0.25
# The manufacturer's review: share decided within its SLA two years ago, and lately.
REVIEW_KEPT = (0.74, 0.92)
# Registrations that met another route's claim or activity (more where territories overlap).
CONFLICTED = {"alpine": 0.2, "rhein": 0.1, "gulfcoast": 0.12}
CONFLICTED_OTHERWISE = 0.05
REJECTIONS = [
    "No customer project or budget confirmed",
    "Customer already handled by another route",
    "Incomplete registration",
]


class _History:
    """Two years of decided registrations, written as the services would have left them: for
    most distributor-found deals that closed (and some direct ones) a registration filed just
    before the opportunity was opened, approved after the manufacturer's review, then won or
    lost with the deal; and registrations rejected, withdrawn or left to expire. Each has its
    review clock (kept or breached), its line, its timeline and, sometimes, a resolved conflict.
    Numbered after the deal (DEMO-RH-<deal number>, and DEMO-RH-X-<deal number> for the other
    claim); only missing ones are written."""

    def __init__(self, tenant: Tenant, admin: Membership | None) -> None:
        self.tenant = tenant
        self.admin = admin
        members = list(Membership.objects.filter(is_active=True).select_related("user"))
        self.emails = {m.user_id: m.user.email for m in members}
        self.slug = tenant.slug
        self.now = timezone.now()
        self.hours = working_time(tenant)
        self.review_hours = settings_for(tenant).review_hours
        self.partner_user: dict[int, int] = {}
        for m in members:
            if m.partner_id:
                self.partner_user.setdefault(m.partner_id, m.user_id)
        self.keys = {p.pk: p.external_id.removeprefix("P-") for p in Partner.objects.all()}
        self.lines = dict(
            OpportunityLine.objects.filter(
                opportunity__external_id__startswith="DEMO-O-"
            ).values_list("opportunity_id", "product__product_line_id")
        )
        self.reasons = settings_for(tenant).rejection_reasons or REJECTIONS

    def run(self) -> int:
        have = set(
            DealRegistration.objects.filter(
                external_id__startswith=f"{HISTORY_PREFIX}-"
            ).values_list("external_id", flat=True)
        )
        deals = list(
            Opportunity.objects.filter(
                external_id__startswith="DEMO-O-",
                stage__outcome__in=["won", "lost"],
                source__in=["partner", "direct"],
            )
            .select_related("account", "stage")
            .order_by("external_id")
        )
        built: list[tuple[DealRegistration, dict[str, Any]]] = []
        for deal in deals:
            number = deal.external_id.rsplit("-", 1)[1]
            rng = random.Random(f"dealreg-history:{self.slug}:{number}")
            if rng.random() >= REGISTERED[deal.source]:
                continue
            external_id = f"{HISTORY_PREFIX}-{number}"
            if external_id not in have:
                built.append(self._registration(external_id, deal, rng))
            if deal.route == "partner" and rng.random() < UNSUCCESSFUL:
                external_id = f"{HISTORY_PREFIX}-X-{number}"
                if external_id not in have:
                    built.append(self._unsuccessful(external_id, deal, rng))
        if built:
            self._write(built)
        return len(built)

    def _moment(self, day: dt.date, rng: random.Random) -> dt.datetime:
        at = dt.datetime.combine(
            day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=self.tenant.zone
        )
        return min(at, self.now - dt.timedelta(hours=1))

    def _review(self, submitted: dt.datetime, rng: random.Random) -> dict[str, Any]:
        """The manufacturer's review clock: decided in time, or late."""
        due = add_business_minutes(self.hours, submitted, self.review_hours * 60)
        age = 1 - (self.now - submitted).days / HISTORY_DAYS
        kept = REVIEW_KEPT[0] + (REVIEW_KEPT[1] - REVIEW_KEPT[0]) * max(0.0, min(1.0, age))
        # Of the review hours: a share of them, or more than all of them.
        share = rng.uniform(0.1, 0.95) if rng.random() < kept else rng.uniform(1.1, 3.0)
        decided = add_business_minutes(self.hours, submitted, self.review_hours * 60 * share)
        decided = min(decided, self.now - dt.timedelta(minutes=30))
        return {"due": due, "decided": decided, "late": decided > due}

    def _base(
        self, external_id: str, deal: Opportunity, partner: int | None, rng: random.Random
    ) -> DealRegistration:
        account = deal.account
        return DealRegistration(
            tenant=self.tenant,
            external_id=external_id,
            route="partner" if partner else "direct",
            registrant_partner_id=partner,
            registrant_team_id=None if partner else deal.owner_team_id,
            registrant_user_id=self.partner_user.get(partner) if partner else deal.owner_user_id,
            end_customer=account,
            contact_name="Plant manager",
            contact_email=f"plant@{account.pk}.customer.example",
            title=deal.name[:200],
            estimated_amount=deal.amount,
            currency=deal.currency,
            expected_close_on=deal.expected_close_on,
            competitor=COMPETITORS[rng.randrange(len(COMPETITORS))],
            how_found="Customer visit" if partner else "Account planning",
            budget_confirmed=rng.random() < 0.8,
        )

    def _registration(
        self, external_id: str, deal: Opportunity, rng: random.Random
    ) -> tuple[DealRegistration, dict[str, Any]]:
        """Registered just before the deal was opened, approved, then won or lost with it."""
        partner = deal.partner_id if deal.source == "partner" else None
        submitted = self._moment(deal.opened_on - dt.timedelta(days=rng.randint(1, 6)), rng)
        review = self._review(submitted, rng)
        closed = self._moment(deal.closed_on or deal.opened_on, rng)
        closed = max(closed, review["decided"] + dt.timedelta(minutes=5))
        won = deal.stage.outcome == "won"
        registration = self._base(external_id, deal, partner, rng)
        registration.state = RegState.WON if won else RegState.LOST
        registration.state_changed_at = closed
        registration.submitted_at = submitted
        registration.decided_at = review["decided"]
        registration.protection_starts_at = review["decided"]
        registration.protection_ends_at = review["decided"] + dt.timedelta(days=90)
        registration.opportunity = deal
        registration.close_reason = deal.close_reason
        steps = [
            (Action.SUBMIT, RegState.DRAFT, RegState.SUBMITTED, submitted, ""),
            (Action.APPROVE, RegState.SUBMITTED, RegState.APPROVED, review["decided"], ""),
            (
                Action.WIN if won else Action.LOSE,
                RegState.APPROVED,
                registration.state,
                closed,
                deal.close_reason,
            ),
        ]
        return registration, self._story(registration, deal, partner, review, steps, rng)

    def _unsuccessful(
        self, external_id: str, deal: Opportunity, rng: random.Random
    ) -> tuple[DealRegistration, dict[str, Any]]:
        """Another claim from the deal's distributor, a while before or after it, that the
        manufacturer rejected or that was withdrawn or expired."""
        partner = deal.partner_id
        day = deal.opened_on + dt.timedelta(days=rng.randint(-120, 120))
        day = min(max(day, self.now.date() - dt.timedelta(days=HISTORY_DAYS)), self.now.date())
        submitted = self._moment(day, rng)
        review = self._review(submitted, rng)
        registration = self._base(external_id, deal, partner, rng)
        registration.title = (
            f"{deal.account.name}: {rng.choice(['add-on', 'second site', 'spares'])}"
        )
        registration.submitted_at = submitted
        registration.decided_at = review["decided"]
        outcome = rng.choices(["rejected", "withdrawn", "expired"], [60, 20, 20])[0]
        steps = [(Action.SUBMIT, RegState.DRAFT, RegState.SUBMITTED, submitted, "")]
        if outcome == "rejected":
            reason = rng.choice(self.reasons)
            registration.state, registration.rejection_reason = RegState.REJECTED, reason
            registration.state_changed_at = review["decided"]
            steps.append(
                (Action.REJECT, RegState.SUBMITTED, RegState.REJECTED, review["decided"], reason)
            )
        else:
            registration.protection_starts_at = review["decided"]
            registration.protection_ends_at = review["decided"] + dt.timedelta(days=90)
            steps.append(
                (Action.APPROVE, RegState.SUBMITTED, RegState.APPROVED, review["decided"], "")
            )
            ended = min(
                review["decided"] + dt.timedelta(days=rng.randint(20, 90)),
                self.now - dt.timedelta(hours=2),
            )
            if outcome == "withdrawn":
                ended = min(ended, registration.protection_ends_at)
                registration.withdraw_reason = "The customer postponed the project."
                action, state = Action.WITHDRAW, RegState.WITHDRAWN
            else:
                ended = max(ended, min(registration.protection_ends_at, self.now))
                action, state = Action.EXPIRE, RegState.EXPIRED
            if ended >= self.now - dt.timedelta(hours=1):
                # Too recent to have ended: withdrawn by the partner instead.
                ended = self.now - dt.timedelta(hours=1)
                action, state = Action.WITHDRAW, RegState.WITHDRAWN
            registration.state, registration.state_changed_at = state, ended
            steps.append((action, RegState.APPROVED, state, ended, ""))
        return registration, self._story(registration, deal, partner, review, steps, rng)

    def _story(
        self,
        registration: DealRegistration,
        deal: Opportunity,
        partner: int | None,
        review: dict[str, Any],
        steps: list[tuple],
        rng: random.Random,
    ) -> dict[str, Any]:
        share = CONFLICTED.get(self.keys.get(partner or 0, ""), CONFLICTED_OTHERWISE)
        conflict = partner is not None and rng.random() < share
        registration.has_conflict = conflict
        return {
            "review": review,
            "steps": steps,
            "line": self.lines.get(deal.pk),
            "conflict": conflict,
        }

    def _actor(self, registration: DealRegistration, action: str) -> int | None:
        """Who took the step: the registrant files and withdraws, the admin decides, the CRM
        closes, the sweep expires."""
        if action in (Action.SUBMIT, Action.WITHDRAW):
            return registration.registrant_user_id
        if action in (Action.APPROVE, Action.REJECT) and self.admin is not None:
            return self.admin.user_id
        return None

    def _write(self, built: list[tuple[DealRegistration, dict[str, Any]]]) -> None:
        with transaction.atomic():
            sequence = change_sequence()
            registrations = [r for r, _ in built]
            for registration in registrations:
                registration.sync_seq = sequence
            DealRegistration.objects.bulk_create(registrations, batch_size=500)
            clocks, events, lines, conflicts = [], [], [], []
            for registration, story in built:
                review = story["review"]
                assert registration.submitted_at is not None
                clocks.append(
                    RegistrationClock(
                        tenant=self.tenant,
                        registration=registration,
                        side=ClockSide.VENDOR,
                        kind=ClockKind.REVIEW,
                        state=ClockState.BREACHED if review["late"] else ClockState.MET,
                        started_at=registration.submitted_at,
                        due_at=review["due"],
                        next_action_at=review["decided"],
                        breached_at=review["due"] if review["late"] else None,
                        stopped_at=review["decided"],
                    )
                )
                for action, before, after, at, reason in story["steps"]:
                    who = self._actor(registration, action)
                    events.append(
                        RegistrationEvent(
                            tenant=self.tenant,
                            registration=registration,
                            action=action,
                            from_state=before,
                            to_state=after,
                            actor_user_id=who,
                            actor_label=self.emails.get(who, "") if who else "system: demo",
                            reason=reason,
                            at=at,
                        )
                    )
                if story["line"]:
                    lines.append(
                        RegistrationLine(
                            tenant=self.tenant,
                            registration=registration,
                            product_line_id=story["line"],
                            amount=registration.estimated_amount,
                            approved_discount=None,
                        )
                    )
                if story["conflict"]:
                    conflicts.append(
                        RegistrationConflict(
                            tenant=self.tenant,
                            registration=registration,
                            kind=ConflictKind.TOUCHES,
                            status=ConflictStatus.RESOLVED,
                            product_line_id=story["line"],
                            reason="Another route has been in touch with this customer lately.",
                            internal_reason="The direct team visited the customer recently.",
                            tie_break="The registrant documented its own activity first.",
                            registrant_prevails=True,
                        )
                    )
            RegistrationClock.objects.bulk_create(clocks, batch_size=1000)
            RegistrationEvent.objects.bulk_create(events, batch_size=1000)
            RegistrationLine.objects.bulk_create(lines, batch_size=1000)
            RegistrationConflict.objects.bulk_create(conflicts, batch_size=1000)
            backdate(DealRegistration, [(r.pk, r.submitted_at or self.now) for r in registrations])
