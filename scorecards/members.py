"""A campaign's members as each viewer may see them (the API's /campaign-members/).

A member is an account on the campaign's target list, or one that responded to the campaign or
was worked in it (a touch of the direct or a partner route naming the campaign, as overlap
flags count work). What a viewer is given:

- RevOps admins: every member, every party's responses, leads and opportunities, and whether
  direct sales and partners work it.
- Direct users: of the accounts they may open (`Account.visible_to`: a rep its own and its
  team's), those on the target list (the manufacturer's own planning) and those direct sales got
  responses from or worked, with direct sales' own figures only.
- Partner users: only the accounts their partner worked or got responses from, with their
  partner's figures only; never the target list, which partners do not see
  (`TargetList.visible_to`).

Non-admins learn whether another party also works an account (`someone_else_working`, from the
open overlap flags, scorecards.overlap.others_working), never who.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet

from accounts.models import Account, TargetList, TargetListMember
from campaigns.models import Campaign
from pipeline.choices import TouchRoute
from pipeline.models import CampaignResponse, Lead, Opportunity, Touch
from scorecards import overlap
from scorecards.conversion import of_party
from tenancy.models import Membership

__all__ = ["Member", "campaign_for_members", "member_accounts", "members"]

NO_CAMPAIGN = "Give the campaign whose members you want: campaign=<id>."


def campaign_for_members(membership: Membership, value: Any) -> Campaign:
    """The campaign a request names, if the viewer may see it; ValidationError (the same for
    one that does not exist and one the viewer may not see) otherwise."""
    text = str(value or "").strip()
    if not text:
        raise ValidationError({"campaign": NO_CAMPAIGN})
    if not text.isdigit() or len(text) > 12:
        raise ValidationError({"campaign": f"“{text[:40]}” is not a campaign id: give a number."})
    found = Campaign.objects.visible_to(membership).filter(pk=int(text)).first()
    if found is None:
        raise ValidationError({"campaign": f"There is no campaign {text} that you can see."})
    return found


def _own_touches(campaign: Campaign, membership: Membership) -> QuerySet:
    touches = Touch.objects.filter(campaign=campaign, account__isnull=False)
    if membership.is_admin:
        return touches.filter(overlap.WORKING)
    if membership.is_partner_user:
        return touches.filter(route=TouchRoute.PARTNER, actor_partner_id=membership.partner_id)
    return touches.filter(route=TouchRoute.DIRECT)


def _responses(campaign: Campaign, membership: Membership) -> QuerySet:
    rows = CampaignResponse.objects.filter(campaign=campaign, account__isnull=False)
    return of_party(rows, membership)


def _target_members(campaign: Campaign, membership: Membership) -> QuerySet | None:
    if campaign.target_list_id is None:
        return None
    if not TargetList.objects.visible_to(membership).filter(pk=campaign.target_list_id).exists():
        return None
    return TargetListMember.objects.filter(target_list_id=campaign.target_list_id)


def member_accounts(membership: Membership, campaign: Campaign) -> QuerySet:
    """The accounts that are the campaign's members for `membership`, in id order."""
    wanted = Q(pk__in=_own_touches(campaign, membership).values("account_id")) | Q(
        pk__in=_responses(campaign, membership).values("account_id")
    )
    targets = _target_members(campaign, membership)
    if targets is not None:
        wanted |= Q(pk__in=targets.values("account_id"))
    # Direct users see the accounts they may open (a rep: its own and its team's); a partner
    # user the accounts its partner worked or got responses from, which it knows already.
    accounts = (
        Account.objects.all()
        if membership.is_partner_user
        else Account.objects.visible_to(membership)
    )
    return accounts.filter(wanted).only("pk", "name").order_by("pk")


@dataclass(frozen=True)
class Member:
    account: int
    name: str
    on_target_list: bool | None  # None: the target list is not shown to the viewer
    responded: bool
    responses: int
    leads: int
    opportunities: int
    worked_by_direct: bool | None  # None: not the viewer's to know
    worked_by_partner: bool | None
    someone_else_working: bool | None  # None for RevOps admins, who see who


def _counts(rows: QuerySet) -> Counter[int]:
    grouped = rows.values("account_id").annotate(n=Count("pk")).order_by()
    return Counter({row["account_id"]: row["n"] for row in grouped})


def members(
    membership: Membership, campaign: Campaign, accounts: Iterable[Account]
) -> list[Member]:
    """The members `accounts` (a page of `member_accounts`) with their figures: a fixed number
    of grouped queries per page."""
    accounts = list(accounts)
    ids = [a.pk for a in accounts]
    targets = _target_members(campaign, membership)
    listed = (
        set(targets.filter(account_id__in=ids).values_list("account_id", flat=True))
        if targets is not None
        else None
    )
    responses = _counts(_responses(campaign, membership).filter(account_id__in=ids))
    leads = _counts(
        of_party(Lead.objects.filter(campaign=campaign, account_id__in=ids), membership)
    )
    opportunities = _counts(
        of_party(Opportunity.objects.filter(campaign=campaign, account_id__in=ids), membership)
    )
    worked = set(
        _own_touches(campaign, membership)
        .filter(account_id__in=ids)
        .values_list("account_id", "route")
        .distinct()
    )
    admin = membership.is_admin
    others = {} if admin else overlap.others_working(membership, ids, campaign_id=campaign.pk)
    return [
        Member(
            account=a.pk,
            name=a.name,
            on_target_list=(a.pk in listed) if listed is not None else None,
            responded=responses[a.pk] > 0,
            responses=responses[a.pk],
            leads=leads[a.pk],
            opportunities=opportunities[a.pk],
            worked_by_direct=(
                (a.pk, TouchRoute.DIRECT) in worked if not membership.is_partner_user else None
            ),
            worked_by_partner=(
                (a.pk, TouchRoute.PARTNER) in worked
                if admin or membership.is_partner_user
                else None
            ),
            someone_else_working=None if admin else a.pk in others,
        )
        for a in accounts
    ]
