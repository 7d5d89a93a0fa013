"""Writes of accounts, target lists and their parts; used by the API, bulk upserts and imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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

__all__ = [
    "add_target_list_member",
    "remove_target_list_member",
    "set_domains",
    "set_product_lines",
    "set_target_list_members",
]


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
        _put_member(target_list, account_id, reason, existing.get(account_id))


def _put_member(
    target_list: TargetList, account_id: int, reason: str, member: TargetListMember | None
) -> TargetListMember:
    """The one way a member is written: created, or its reason kept current."""
    if member is None:
        return TargetListMember.objects.create(
            tenant_id=target_list.tenant_id,
            target_list=target_list,
            account_id=account_id,
            reason=reason,
        )
    if member.reason != reason:
        member.reason = reason
        member.save(update_fields=["reason", "updated_at"])
    return member


def _refreshed(target_list: TargetList, note: str, now: dt.datetime | None) -> None:
    target_list.refreshed_at = now or timezone.now()
    target_list.refresh_note = note[:500]
    target_list.save(update_fields=["refreshed_at", "refresh_note", "updated_at"])


def _same_tenant(target_list: TargetList, account: Account) -> None:
    if account.tenant_id != target_list.tenant_id:
        raise ValidationError({"account": "That account belongs to another tenant."})


@action
def add_target_list_member(
    target_list: TargetList,
    account: Account,
    *,
    reason: str = "",
    acting: Acting,
    note: str = "",
    now: dt.datetime | None = None,
) -> TargetListMember:
    """Put one account on the list (refused when it is on it already) and note the refresh
    (`refreshed_at`, `refresh_note`: `note`, or what was added and why)."""
    _same_tenant(target_list, account)
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "Give the reason in at most 300 characters."})
    with transaction.atomic():
        if target_list.members.filter(account_id=account.pk).exists():
            raise ValidationError(
                {"account": f"{account.name} is on the target list {target_list.name} already."}
            )
        member = _put_member(target_list, account.pk, reason, None)
        _refreshed(
            target_list,
            note or f"Added {account.name}" + (f": {reason}" if reason else "."),
            now,
        )
    return member


@action
def remove_target_list_member(
    target_list: TargetList,
    account: Account,
    *,
    acting: Acting,
    note: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Take one account off the list (refused when it is not on it) and note the refresh."""
    _same_tenant(target_list, account)
    with transaction.atomic():
        member = target_list.members.filter(account_id=account.pk).first()
        if member is None:
            raise ValidationError(
                {"account": f"{account.name} is not on the target list {target_list.name}."}
            )
        member.delete()
        _refreshed(target_list, note or f"Dropped {account.name}.", now)
