"""Which partners' MDF activity direct sales may read: the partners authorized in a territory
that covers a country where the member's team owns accounts (the tenant may switch this off in
its MDF settings). Teams have no territory of their own, so the accounts they own stand for it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Account
from guardrails.models import PartnerAuthorization, TerritoryArea

__all__ = ["partners_in_territory"]


def partners_in_territory(membership: Any) -> QuerySet:
    """Partner ids (a subquery) whose activity a direct member may read; none when the tenant
    keeps MDF activity from direct sales or the member has no team."""
    from mdf.services.settings import settings_for

    team_id = getattr(membership, "team_id", None)
    if team_id is None or not settings_for(membership.tenant_id).sales_see_activity:
        return PartnerAuthorization.objects.none().values("partner_id")
    countries = (
        Account.objects.filter(owner_team_id=team_id).exclude(country="").values("country")
    )
    territories = TerritoryArea.objects.filter(country__in=countries).values("territory_id")
    today = dt.date.today()
    return (
        PartnerAuthorization.objects.filter(territory_id__in=territories, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values("partner_id")
    )
