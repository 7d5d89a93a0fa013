"""What the active version decides, stored: an `AccountRoute` per account (and, through
`guardrails.services.pricing`, `DiscountLeakage` per discounted opportunity line). Both are
recomputed in the background when a version comes into force (`recompute_tenant`), and by a sweep
over the accounts and opportunities whose change sequence moved since the last sweep
(`sweep_changes`), so bulk CRM writes that send no signals are caught too.

The recompute tasks live here, beside the work they run, because publishing queues them: the
service publishes its own background work without importing `guardrails.tasks` back. Their Celery
names (`guardrails.tasks.…`) are unchanged, so messages already queued still find them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from celery import shared_task
from django.utils import timezone

from accounts.models import Account
from core.acting import SystemActor, action
from core.sync import safe_horizon
from core.tasks import TenantTask
from core.tenancy import current_tenant
from guardrails.engine import (
    CompiledRulebook,
    Decision,
    apply_exception,
    iter_account_facts,
    work_exceptions,
)
from guardrails.models import ROUTE_DECISION_FIELDS, AccountRoute, Rulebook, RulebookVersion
from guardrails.services.pricing import record_leakage
from guardrails.services.versions import active_version, get_rulebook
from pipeline.models import Opportunity
from tenancy.acting import Acting
from tenancy.models import Tenant

__all__ = [
    "RECOMPUTE",
    "recompute_accounts",
    "recompute_routes",
    "recompute_tenant",
    "sweep_changes",
]

# Stored decisions are derived data: whoever changed an input, the portal recomputes them.
RECOMPUTE = SystemActor("guardrails recompute")


@shared_task(base=TenantTask, name="guardrails.tasks.recompute_tenant", ignore_result=True)
def recompute_tenant(*, tenant_id: int) -> int:
    """Every account's decision and all leakage, e.g. after a version came into force."""
    tenant = current_tenant()
    count = recompute_routes(tenant, acting=RECOMPUTE)
    record_leakage(tenant, acting=RECOMPUTE)
    return count


@shared_task(base=TenantTask, name="guardrails.tasks.recompute_accounts", ignore_result=True)
def recompute_accounts(*, tenant_id: int, account_ids: list[int]) -> int:
    return recompute_routes(current_tenant(), account_ids, acting=RECOMPUTE)


@action
def recompute_routes(
    tenant: Tenant, account_ids: Iterable[int] | None = None, *, acting: Acting
) -> int:
    """Store what the active version decides for the tenant's accounts (or the given ones)."""
    version = active_version(tenant)
    if version is None:
        return 0
    compiled = CompiledRulebook.for_version(version)
    ids = None if account_ids is None else sorted(set(account_ids))
    exceptions = work_exceptions(ids, compiled.today)
    now = timezone.now()
    written = 0
    for chunk in iter_account_facts(ids):
        rows = []
        for account_id, facts in chunk.items():
            decision = apply_exception(compiled.decide(facts), exceptions.get(account_id))
            rows.append(_route_row(tenant, version, account_id, decision, now))
        AccountRoute.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["tenant", "account"],
            update_fields=[*ROUTE_DECISION_FIELDS, "updated_at"],
        )
        written += len(rows)
    return written


def _route_row(
    tenant: Tenant, version: RulebookVersion, account_id: int, decision: Decision, now: dt.datetime
) -> AccountRoute:
    return AccountRoute(
        tenant_id=tenant.pk,
        account_id=account_id,
        version=version,
        rule_id=decision.rule_id,
        outcome=decision.outcome,
        target_team_id=decision.target_team_id,
        target_partner_id=decision.target_partner_id,
        eligible_partners=list(decision.eligible_partner_ids),
        rationale=decision.rationale,
        exception_id=decision.exception_id,
        decided_at=now,
        created_at=now,
        updated_at=now,
    )


@action
def sweep_changes(tenant: Tenant, *, acting: Acting) -> tuple[int, int]:
    """Recompute decisions and leakage for accounts and opportunities changed since the last
    sweep, and for accounts whose exception has just expired. Safe to run at any time."""
    rulebook = get_rulebook(tenant)
    if rulebook.active_version_id is None:
        return (0, 0)
    horizon = safe_horizon()
    accounts = list(
        Account.objects.filter(
            sync_seq__gt=rulebook.accounts_swept_seq, sync_seq__lt=horizon
        ).values_list("id", "sync_seq")
    )
    opportunities = list(
        Opportunity.objects.filter(
            sync_seq__gt=rulebook.opportunities_swept_seq, sync_seq__lt=horizon
        ).values_list("id", "sync_seq")
    )
    expired = AccountRoute.objects.filter(
        exception__isnull=False, exception__ends_on__lt=timezone.localdate()
    ).values_list("account_id", flat=True)
    account_ids = {pk for pk, _ in accounts} | set(expired)
    routed = recompute_routes(tenant, account_ids, acting=acting) if account_ids else 0
    leaked = (
        record_leakage(tenant, [pk for pk, _ in opportunities], acting=acting)
        if opportunities
        else 0
    )
    marks = {}
    if accounts:
        marks["accounts_swept_seq"] = max(seq for _, seq in accounts)
    if opportunities:
        marks["opportunities_swept_seq"] = max(seq for _, seq in opportunities)
    if marks:
        # Never move a mark backwards if a concurrent sweep got further.
        for name, value in marks.items():
            Rulebook.objects.filter(pk=rulebook.pk, **{f"{name}__lt": value}).update(
                **{name: value}
            )
    return (routed, leaked)
