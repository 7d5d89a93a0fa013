"""Pipeline on the home pages (tenancy/worklist.py): the open pipeline by route, and what was won
this fiscal quarter, in the tenant's currency, over the opportunities the viewer may see.

Amounts in other currencies are not converted: they are left out and counted in the hint, as the
opportunity list keeps each currency's total apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from pipeline.choices import Outcome, Route
from pipeline.models import WHOLE_TENANT_ROLES, Opportunity
from tenancy.quarters import fiscal_quarter
from tenancy.requests import DoorRequest
from tenancy.worklist import Figure, register_figures

__all__: list[str] = []


def _money(amount: Decimal | int | None, currency: str) -> str:
    return f"{floatformat(amount or 0, '0g')} {currency}"


def _url(request: DoorRequest, **query: str) -> str:
    url = reverse(f"{request.door}:opportunities", args=[request.tenant.slug])
    return f"{url}?{urlencode(query)}"


def pipeline_figures(request: DoorRequest) -> Iterator[Figure]:
    tenant = request.tenant
    today = timezone.now().astimezone(tenant.zone).date()
    start, end = fiscal_quarter(tenant, today)
    ours = Q(currency=tenant.currency)
    open_ = Q(stage__outcome=Outcome.OPEN)
    won = Q(stage__outcome=Outcome.WON, closed_on__gte=start, closed_on__lt=end)
    totals = Opportunity.objects.visible_to(request.membership).aggregate(
        direct=Sum("amount", filter=open_ & ours & Q(route=Route.DIRECT)),
        direct_n=Count("pk", filter=open_ & ours & Q(route=Route.DIRECT)),
        partner=Sum("amount", filter=open_ & ours & Q(route=Route.PARTNER)),
        partner_n=Count("pk", filter=open_ & ours & Q(route=Route.PARTNER)),
        foreign_n=Count("pk", filter=open_ & ~ours),
        won=Sum("amount", filter=won & ours),
        won_n=Count("pk", filter=won & ours),
    )
    foreign = totals["foreign_n"]
    elsewhere = f"; {foreign} in other currencies not included" if foreign else ""
    currency = tenant.currency
    if request.membership.role not in WHOLE_TENANT_ROLES:  # a partner's or a rep's own deals
        amount = (totals["direct"] or 0) + (totals["partner"] or 0)
        count = totals["direct_n"] + totals["partner_n"]
        whose = "" if request.membership.is_partner_user else ", yours and your team's"
        yield Figure(
            "Your open pipeline",
            _money(amount, currency),
            f"{count} open opportunities{whose}{elsewhere}",
            _url(request, outcome=Outcome.OPEN),
            order=20,
        )
    else:
        for route in (Route.DIRECT, Route.PARTNER):
            yield Figure(
                f"Open pipeline, {route.label.lower()}",
                _money(totals[route.value], currency),
                f"{totals[f'{route.value}_n']} open opportunities{elsewhere}",
                _url(request, outcome=Outcome.OPEN, route=route.value),
                order=20,
            )
    yield Figure(
        "Won this quarter",
        _money(totals["won"], currency),
        f"{totals['won_n']} won since {start:%-d %b %Y}",
        _url(request, outcome=Outcome.WON),
        order=22,
    )


register_figures(("console", "sales", "portal"), pipeline_figures)
