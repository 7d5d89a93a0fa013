"""Writes of accounts, target lists and their parts; used by the API, bulk upserts and imports."""

from __future__ import annotations

from collections.abc import Iterable

from accounts.choices import ProductRelation
from accounts.models import (
    Account,
    AccountDomain,
    AccountProductLine,
    ProductLine,
    TargetList,
    TargetListMember,
)
from core.acting import action
from tenancy.acting import Acting

__all__ = ["set_domains", "set_product_lines", "set_target_list_members"]


@action
def set_domains(account: Account, domains: Iterable[str], *, acting: Acting) -> None:
    """Make the account's domains exactly `domains` (already normalised)."""
    wanted = list(dict.fromkeys(domains))
    account.domains.exclude(domain__in=wanted).delete()
    have = set(account.domains.values_list("domain", flat=True))
    AccountDomain.objects.bulk_create(
        [
            AccountDomain(tenant_id=account.tenant_id, account=account, domain=d)
            for d in wanted
            if d not in have
        ]
    )


@action
def set_product_lines(
    account: Account, relation: str, lines: Iterable[ProductLine], *, acting: Acting
) -> None:
    """Make the account's product lines of one relation (interest, installed) exactly `lines`."""
    assert relation in ProductRelation.values
    wanted = {line.pk: line for line in lines}
    current = account.product_lines.filter(relation=relation)
    current.exclude(product_line_id__in=wanted).delete()
    have = set(current.values_list("product_line_id", flat=True))
    AccountProductLine.objects.bulk_create(
        [
            AccountProductLine(
                tenant_id=account.tenant_id, account=account, product_line_id=pk, relation=relation
            )
            for pk in wanted
            if pk not in have
        ]
    )


@action
def set_target_list_members(
    target_list: TargetList, members: Iterable[tuple[Account, str]], *, acting: Acting
) -> None:
    """Make the list's members exactly `members` ((account, reason) pairs), keeping reasons current."""
    wanted = {account.pk: reason for account, reason in members}
    target_list.members.exclude(account_id__in=wanted).delete()
    existing = {m.account_id: m for m in target_list.members.all()}
    for account_id, reason in wanted.items():
        member = existing.get(account_id)
        if member is None:
            TargetListMember.objects.create(
                tenant_id=target_list.tenant_id,
                target_list=target_list,
                account_id=account_id,
                reason=reason,
            )
        elif member.reason != reason:
            member.reason = reason
            member.save(update_fields=["reason", "updated_at"])
