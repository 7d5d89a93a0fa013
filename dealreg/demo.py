"""Demo deal registrations for acme and globex, made through the real services, so every queue
and page has something to show: a registration in every state (draft, submitted, under review,
returned, approved, approved with an extension waiting, rejected, withdrawn, expired, won, lost),
a conflict between a distributor and a direct rep waiting for adjudication, an adjudicated 70/30
split, and the tenant's settings.

The registrations carry external ids (DEMO-R-<scenario>-<n>); a tenant seeded before is left
alone, so seeding again adds nothing. Customers are picked among the tenant's accounts where the
claim is clean for its registrant (the rules, authorizations and conflict engine agree), so the
approvals go through as they would for a real user.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import SystemActor
from core.audit import audit_context
from core.tenancy import tenant_scope
from dealreg.choices import ConflictKind
from dealreg.models import Claim, DealRegistration
from dealreg.services import adjudication
from dealreg.services import registrations as regs
from dealreg.services.conflicts import Party, find_conflicts
from dealreg.services.state import TransitionRefused, settings_for
from guardrails.models import AccountRoute, RegistrationCriteria
from guardrails.services.registration import check_registration
from guardrails.services.versions import active_version
from pipeline.models import Opportunity, Stage, Touch
from routing.models import Notification
from tenancy.choices import Role
from tenancy.models import Membership, Tenant

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
        if stdout is not None:
            skipped = f"; skipped: {', '.join(seeder.skipped)}" if seeder.skipped else ""
            stdout.write(f"dealreg: {slug}: {made} registrations created{skipped}")


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
