"""Demo pipeline: opportunities with line items and stage history, and a year of touches.

Volumes per tenant at --scale 1: Acme 1,500 opportunities and 20,000 touches; Globex a quarter.
Routes follow the account's owner; sources mix partner, direct and marketing.
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Account, Contact, Product
from core.acting import SystemActor
from core.seeding import numbered, seed_numbered
from core.tenancy import tenant_scope
from pipeline.choices import Channel, Outcome, Route, Source, TouchRoute
from pipeline.models import Opportunity, OpportunityLine, Stage, StageChange, Touch
from pipeline.services import ensure_default_stages
from tenancy.models import Membership, Tenant

VOLUMES = {"acme": (1500, 20000), "globex": (375, 5000)}
LOSS_REASONS = ["Price", "Lost to competitor", "No budget", "Timing", "Went with rental"]
WIN_REASONS = [
    "Uptime guarantee",
    "Local service coverage",
    "Total cost of ownership",
    "Trade-in offer",
]
MARKETING_CHANNELS = [
    Channel.WEB_VISIT,
    Channel.FORM_FILL,
    Channel.AD_CLICK,
    Channel.EVENT,
    Channel.EMAIL,
]
SALES_CHANNELS = [Channel.CALL, Channel.MEETING, Channel.EMAIL, Channel.EVENT]


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug, (opportunities, touches) in VOLUMES.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant):
            ensure_default_stages(tenant, acting=SystemActor("demo seeding"))
            made = _Pipeline(tenant).seed(round(opportunities * scale), round(touches * scale))
        if stdout is not None:
            stdout.write(f"pipeline: {slug}: {made[0]} opportunities, {made[1]} touches created")


class _Pipeline:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.today = timezone.localdate()
        self.zone = zoneinfo.ZoneInfo(tenant.timezone)
        self.stages = list(Stage.objects.order_by("order"))
        self.open_stages = [s for s in self.stages if s.outcome == Outcome.OPEN]
        self.won = next(s for s in self.stages if s.outcome == Outcome.WON)
        self.lost = next(s for s in self.stages if s.outcome == Outcome.LOST)
        self.accounts = list(
            Account.objects.filter(external_id__startswith="DEMO-A-")
            .only("id", "name", "owner_user_id", "owner_team_id", "owner_partner_id")
            .order_by("id")
        )
        self.products = list(Product.objects.all())
        self.team_of = dict(
            Membership.objects.filter(team__isnull=False).values_list("user_id", "team_id")
        )

    def seed(self, opportunities: int, touches: int) -> tuple[int, int]:
        if not self.accounts:
            return 0, 0
        made = seed_numbered(Opportunity, "DEMO-O", opportunities, self.opportunity)
        self.history()
        self.contacts = dict(
            Contact.objects.filter(external_id__startswith="DEMO-C-").values_list(
                "account_id", "id"
            )
        )
        self.opportunities = list(
            Opportunity.objects.filter(external_id__startswith="DEMO-O-").values_list(
                "id", "account_id"
            )
        )
        made_touches = seed_numbered(Touch, "DEMO-T", touches, self.touch, batch=5000)
        return made, made_touches

    def opportunity(self, index: int, rng: random.Random) -> Opportunity:
        account = self.accounts[(index * 7) % len(self.accounts)]
        partner_route = account.owner_partner_id is not None
        opened = self.today - timedelta(days=rng.randint(5, 540))
        closed = opened < self.today - timedelta(days=120) and rng.random() < 0.7
        stage = (
            (self.won if rng.random() < 0.32 else self.lost)
            if closed
            else rng.choice(self.open_stages)
        )
        amount = Decimal(rng.choice([8, 15, 24, 48, 95, 180, 320, 650])) * 1000
        source = (
            Source.PARTNER
            if partner_route
            else rng.choices(
                [Source.DIRECT, Source.MARKETING, Source.UNKNOWN], weights=[55, 35, 10]
            )[0]
        )
        return Opportunity(
            tenant=self.tenant,
            external_id=numbered("DEMO-O", index),
            account=account,
            name=f"{account.name}: {rng.choice(['fleet renewal', 'new site', 'service contract', 'replacement', 'expansion'])}",
            amount=amount,
            currency=self.tenant.currency,
            stage=stage,
            opened_on=opened,
            expected_close_on=opened + timedelta(days=rng.randint(45, 200)),
            closed_on=min(opened + timedelta(days=rng.randint(30, 150)), self.today)
            if closed
            else None,
            route=Route.PARTNER if partner_route else Route.DIRECT,
            owner_user_id=account.owner_user_id,
            owner_team_id=account.owner_team_id,
            partner_id=account.owner_partner_id,
            source=source,
            source_detail="Distributor registration" if partner_route else "",
            close_reason=rng.choice(WIN_REASONS if stage == self.won else LOSS_REASONS)
            if closed
            else "",
        )

    def history(self) -> None:
        """Stage history and line items for demo opportunities that have none yet."""
        done = set(StageChange.objects.values_list("opportunity_id", flat=True))
        changes, lines = [], []
        for opportunity in (
            Opportunity.objects.filter(external_id__startswith="DEMO-O-")
            .exclude(id__in=done)
            .select_related("stage")
        ):
            rng = random.Random(f"history:{opportunity.external_id}")
            path = (
                [s for s in self.open_stages if s.order < opportunity.stage.order]
                if opportunity.stage.outcome == Outcome.OPEN
                else self.open_stages[: rng.randint(1, len(self.open_stages))]
            )
            path = [*path, opportunity.stage] if opportunity.stage not in path else path
            moment = datetime.combine(
                opportunity.opened_on, time(9), tzinfo=timezone.get_current_timezone()
            )
            end = datetime.combine(
                opportunity.closed_on or self.today, time(17), tzinfo=moment.tzinfo
            )
            step = (end - moment) / max(len(path), 1)
            previous = None
            for stage in path:
                changes.append(
                    StageChange(
                        tenant=self.tenant,
                        opportunity=opportunity,
                        from_stage=previous,
                        to_stage=stage,
                        changed_at=moment,
                    )
                )
                previous, moment = stage, moment + step
            for product in rng.sample(self.products, min(len(self.products), rng.randint(1, 3))):
                lines.append(
                    OpportunityLine(
                        tenant=self.tenant,
                        opportunity=opportunity,
                        product=product,
                        quantity=Decimal(rng.randint(1, 4)),
                        list_price=product.list_price,
                        discount_pct=Decimal(rng.choice([0, 2, 5, 8, 12, 18])),
                    )
                )
        StageChange.objects.bulk_create(changes, batch_size=5000)
        OpportunityLine.objects.bulk_create(lines, batch_size=5000)

    def touch(self, index: int, rng: random.Random) -> Touch:
        account = self.accounts[(index * 13) % len(self.accounts)]
        kind = rng.random()
        actor: dict[str, int | None]
        if account.owner_partner_id and kind < 0.55:
            route, channel, actor = (
                TouchRoute.PARTNER,
                rng.choice(SALES_CHANNELS),
                {"actor_partner_id": account.owner_partner_id},
            )
        elif kind < 0.35 or account.owner_partner_id:
            # Partner-owned accounts hear from the manufacturer through marketing, not a rep.
            route, channel, actor = TouchRoute.MARKETING, rng.choice(MARKETING_CHANNELS), {}
        else:
            user = account.owner_user_id
            route, channel = TouchRoute.DIRECT, rng.choice(SALES_CHANNELS)
            actor = {"actor_user_id": user, "actor_team_id": self.team_of.get(user)} if user else {}
        # Working hours, in the tenant's part of the world.
        day = timezone.localdate() - timedelta(days=rng.randint(0, 365))
        occurred = datetime.combine(
            day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=self.zone
        )
        opportunity = (
            next((o for o, a in self.opportunities[index % 50 :: 50] if a == account.pk), None)
            if rng.random() < 0.3
            else None
        )
        return Touch(
            tenant=self.tenant,
            external_id=numbered("DEMO-T", index),
            account=account,
            contact_id=self.contacts.get(account.pk),
            opportunity_id=opportunity,
            channel=channel,
            route=route,
            occurred_at=occurred,
            subject=f"{channel.label} with {account.name.rsplit(' ', 1)[0]}",
            **actor,
        )
