"""Keep stored decisions fresh. Writes to accounts and deals schedule, once per transaction and
after it commits, a sweep of what changed (`guardrails.services.decisions.sweep_changes`, which
reads change sequences, so bulk writes that send no signals are caught by the periodic sweep all
the same). Target-list memberships and product-line interests change no account row, so their
accounts are recomputed by id."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import Account, AccountProductLine, TargetListMember
from pipeline.models import Opportunity, OpportunityLine

SWEPT = (Account, Opportunity, OpportunityLine)
BY_ACCOUNT = (AccountProductLine, TargetListMember)


class _Pending:
    """Work collected during one transaction, handed to the queue when it commits."""

    def __init__(self) -> None:
        self.sweeps: set[int] = set()
        self.accounts: dict[int, set[int]] = {}
        self.done = False

    def __call__(self) -> None:
        from guardrails.services.decisions import recompute_accounts
        from guardrails.tasks import sweep_tenant

        self.done = True
        for tenant_id, ids in self.accounts.items():
            recompute_accounts.delay(tenant_id=tenant_id, account_ids=sorted(ids))
        for tenant_id in self.sweeps:
            sweep_tenant.delay(tenant_id=tenant_id)


def _pending() -> _Pending:
    """This transaction's collector; a new one when the last was run or rolled back."""
    current = getattr(connection, "_guardrails_pending", None)
    queued = any(entry[1] is current for entry in connection.run_on_commit)
    if current is None or current.done or not (connection.in_atomic_block and queued):
        current = _Pending()
        connection._guardrails_pending = current  # type: ignore[attr-defined]  # ours, per connection
        transaction.on_commit(current)
    return current


@receiver(post_save)
@receiver(post_delete)
def _inputs_changed(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not issubclass(sender, SWEPT + BY_ACCOUNT):
        return
    pending = _pending()
    if issubclass(sender, BY_ACCOUNT):
        pending.accounts.setdefault(instance.tenant_id, set()).add(instance.account_id)
    else:
        pending.sweeps.add(instance.tenant_id)
