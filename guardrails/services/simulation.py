"""Simulating a version: what it would decide against what the active version decides, for every
account and every open opportunity, as moves and totals by route, partner and team.

The `simulate` task lives here, beside the work it runs, because `start_simulation` queues it
without importing `guardrails.tasks` back; its Celery name is unchanged."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from celery import shared_task
from django.utils import timezone

from accounts.models import Account, ProductLine
from core.acting import SystemActor, action
from core.tasks import TenantTask
from guardrails.choices import SimulationStatus
from guardrails.engine import (
    NO_DECISION,
    CompiledRulebook,
    Decision,
    FactsLoader,
    deal_facts,
    iter_account_facts,
)
from guardrails.models import RulebookVersion, SimulatedMove, Simulation
from guardrails.services.versions import active_version
from pipeline.choices import Outcome as StageOutcome
from pipeline.models import Opportunity, OpportunityLine
from tenancy.acting import Acting
from tenancy.models import Partner, Team

__all__ = ["run_simulation", "simulate", "start_simulation"]


@action
def start_simulation(version: RulebookVersion, *, acting: Acting) -> Simulation:
    simulation = Simulation.objects.create(
        tenant=version.tenant, version=version, requested_by=acting.audit_user
    )
    simulate.delay_on_commit(tenant_id=version.tenant_id, simulation_id=simulation.pk)
    return simulation


def _target_text(decision: Decision, partners: dict, teams: dict) -> str:
    if decision.target_partner_id:
        return partners.get(decision.target_partner_id, "")
    if decision.target_team_id:
        return teams.get(decision.target_team_id, "")
    return ""


@action
def run_simulation(simulation_id: int, *, acting: Acting) -> Simulation | None:
    """Compare what the simulated version and the active one decide for every account and every
    open opportunity. Idempotent: a finished simulation is left alone; a rerun starts over.

    An account is listed (a `SimulatedMove`) when its own route or target changes, or when any of
    its open opportunities changes route or target; each such opportunity is listed on the move.

    `summary` keys: accounts, moved_accounts, open_opportunities, open_pipeline (total open
    amount), flows (list of {from, to, accounts, open_pipeline, opportunities}, e.g. direct→partner:
    accounts count account-level moves, opportunities and open_pipeline opportunity-level ones),
    by_partner and by_team ({name: {gained_accounts, lost_accounts, gained_pipeline,
    lost_pipeline}}: accounts by the account's decision, pipeline by each opportunity's, so a
    partner's net pipeline is what moves to it minus what moves away from it), seconds,
    active_version (number or null)."""
    simulation = Simulation.objects.select_related("version").filter(pk=simulation_id).first()
    if simulation is None or simulation.status == SimulationStatus.DONE:
        return simulation
    try:
        return _simulate(simulation)
    except Exception as exc:
        Simulation.objects.filter(pk=simulation.pk).update(
            status=SimulationStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def _simulate(simulation: Simulation) -> Simulation:
    started = time.monotonic()
    tenant = simulation.tenant
    Simulation.objects.filter(pk=simulation.pk).update(
        status=SimulationStatus.RUNNING, started_at=timezone.now(), processed=0, error=""
    )
    SimulatedMove.objects.filter(simulation=simulation).delete()
    current_version = active_version(tenant)
    draft = CompiledRulebook.for_version(simulation.version)
    current = CompiledRulebook.for_version(current_version) if current_version else None
    total = Account.objects.count()
    Simulation.objects.filter(pk=simulation.pk).update(total=total)
    open_deals = _open_deals()
    partners = dict(Partner.objects.values_list("id", "name"))
    teams = dict(Team.objects.values_list("id", "name"))
    loader = FactsLoader()
    flows: dict[tuple, dict] = defaultdict(
        lambda: {"accounts": 0, "open_pipeline": Decimal(0), "opportunities": 0}
    )
    sides = _Sides(partners, teams)
    moves, processed, moved = [], 0, 0
    pipeline_total, deals_total = Decimal(0), 0
    for chunk in iter_account_facts():
        for account_id, facts in chunk.items():
            before = current.decide(facts) if current else NO_DECISION
            after = draft.decide(facts)
            account_moves = before.target_key != after.target_key
            deal_moves: list[dict] = []
            moved_amount = Decimal(0)
            for deal in open_deals.get(account_id, ()):
                pipeline_total += deal.amount
                deals_total += 1
                narrowed = deal_facts(facts, deal.amount, deal.codes, loader)
                b = current.decide(narrowed) if current else NO_DECISION
                a = draft.decide(narrowed)
                if b.target_key == a.target_key:
                    continue
                moved_amount += deal.amount
                flow = flows[(b.outcome, a.outcome)]
                flow["open_pipeline"] += deal.amount
                flow["opportunities"] += 1
                sides.pipeline(b, a, deal.amount)
                deal_moves.append(
                    {
                        "opportunity": deal.id,
                        "name": deal.name,
                        "amount": str(deal.amount),
                        **_sides_text(b, a, partners, teams),
                    }
                )
            if not account_moves and not deal_moves:
                processed += 1
                continue
            moved += 1
            if account_moves:
                flows[(before.outcome, after.outcome)]["accounts"] += 1
                sides.account(before, after)
            deal_moves.sort(key=lambda d: (-Decimal(d["amount"]), d["opportunity"]))
            moves.append(
                SimulatedMove(
                    tenant_id=tenant.pk,
                    simulation_id=simulation.pk,
                    account_id=account_id,
                    **_sides_text(before, after, partners, teams),
                    open_pipeline=moved_amount,
                    open_opportunities=len(deal_moves),
                    account_moves=account_moves,
                    opportunity_moves=deal_moves,
                )
            )
            processed += 1
        if len(moves) >= 2000:
            SimulatedMove.objects.bulk_create(moves)
            moves = []
        Simulation.objects.filter(pk=simulation.pk).update(processed=processed)
    SimulatedMove.objects.bulk_create(moves)
    summary = {
        "accounts": processed,
        "moved_accounts": moved,
        "open_opportunities": deals_total,
        "open_pipeline": str(pipeline_total),
        "flows": [
            {
                "from": src,
                "to": dst,
                "accounts": v["accounts"],
                "open_pipeline": str(v["open_pipeline"]),
                "opportunities": v["opportunities"],
            }
            for (src, dst), v in sorted(flows.items())
            if src != dst or v["accounts"] or v["opportunities"]
        ],
        "by_partner": _jsonable_sides(sides.by_partner),
        "by_team": _jsonable_sides(sides.by_team),
        "seconds": round(time.monotonic() - started, 2),
        "active_version": current_version.number if current_version else None,
    }
    Simulation.objects.filter(pk=simulation.pk).update(
        status=SimulationStatus.DONE,
        processed=processed,
        summary=summary,
        finished_at=timezone.now(),
    )
    simulation.refresh_from_db()
    return simulation


def _sides_text(before: Decision, after: Decision, partners: dict, teams: dict) -> dict:
    return {
        "from_outcome": before.outcome,
        "to_outcome": after.outcome,
        "from_target": _target_text(before, partners, teams),
        "to_target": _target_text(after, partners, teams),
        "from_rule": before.rule_name[:200],
        "to_rule": after.rule_name[:200],
    }


def _side_counts() -> dict:
    return {
        "gained_accounts": 0,
        "lost_accounts": 0,
        "gained_pipeline": Decimal(0),
        "lost_pipeline": Decimal(0),
    }


class _Sides:
    """Who gains and loses, per partner and per direct team: accounts by the account's own
    decision, open pipeline by each opportunity's decision (an opportunity can move while its
    account stays, and the other way round)."""

    def __init__(self, partners: dict, teams: dict) -> None:
        self.partners, self.teams = partners, teams
        self.by_partner: dict[str, dict] = defaultdict(_side_counts)
        self.by_team: dict[str, dict] = defaultdict(_side_counts)

    def account(self, before: Decision, after: Decision) -> None:
        for tally, sign in self._changed(before, after):
            tally[f"{sign}_accounts"] += 1

    def pipeline(self, before: Decision, after: Decision, amount: Decimal) -> None:
        for tally, sign in self._changed(before, after):
            tally[f"{sign}_pipeline"] += amount

    def _changed(self, before: Decision, after: Decision) -> list[tuple[dict, str]]:
        """The tallies to touch: the partner or team the decision leaves ("lost") and the one it
        goes to ("gained"), when they differ."""
        sides = []
        if before.target_partner_id != after.target_partner_id:
            if before.target_partner_id:
                name = self.partners.get(before.target_partner_id, "?")
                sides.append((self.by_partner[name], "lost"))
            if after.target_partner_id:
                name = self.partners.get(after.target_partner_id, "?")
                sides.append((self.by_partner[name], "gained"))
        if before.target_team_id != after.target_team_id:
            if before.target_team_id:
                sides.append((self.by_team[self.teams.get(before.target_team_id, "?")], "lost"))
            if after.target_team_id:
                sides.append((self.by_team[self.teams.get(after.target_team_id, "?")], "gained"))
        return sides


def _jsonable_sides(sides: dict) -> dict:
    return {
        name: {k: str(v) if isinstance(v, Decimal) else v for k, v in counts.items()}
        for name, counts in sorted(sides.items())
    }


@dataclass(frozen=True)
class _Deal:
    id: int
    name: str
    amount: Decimal
    codes: frozenset


def _open_deals() -> dict[int, list[_Deal]]:
    """Open opportunities by account, with the product line codes of their lines."""
    codes = dict(ProductLine.objects.values_list("id", "code"))
    lines: dict[int, set] = defaultdict(set)
    for opp_id, line_id in OpportunityLine.objects.filter(
        opportunity__stage__outcome=StageOutcome.OPEN
    ).values_list("opportunity_id", "product__product_line_id"):
        lines[opp_id].add(codes[line_id])
    deals: dict[int, list[_Deal]] = defaultdict(list)
    for opp_id, account_id, name, amount in Opportunity.objects.filter(
        stage__outcome=StageOutcome.OPEN
    ).values_list("id", "account_id", "name", "amount"):
        deals[account_id].append(_Deal(opp_id, name, amount, frozenset(lines.get(opp_id, ()))))
    return deals


@shared_task(base=TenantTask, name="guardrails.tasks.simulate", ignore_result=True, acks_late=True)
def simulate(*, tenant_id: int, simulation_id: int) -> None:
    run_simulation(simulation_id, acting=SystemActor("guardrails simulation"))
