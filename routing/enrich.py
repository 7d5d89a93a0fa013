"""Enrichment: normalise what a lead says about itself, find its contact and account in the
tenant's own data, derive its territory, and (optionally) ask an HTTP provider for firmographics.

Account matching, in order: the contact with the lead's email; an account with the lead's company
domain (free-mail domains excluded); an account with the same normalised company name in the same
country. A matched account lends the lead its segment, tier, territory and owner for routing.

A provider failure never blocks routing: the lead routes on what is known, is flagged
`needs_enrichment`, and the sweep enriches it again later.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any, cast

from django.db import models

from accounts.models import Account, AccountDomain, Contact
from core.acting import action
from guardrails.engine import (
    EMPLOYEE_RANK,
    Facts,
    TerritoryMatcher,
    account_facts,
    deal_facts,
)
from pipeline.models import Lead
from routing.choices import EventKind, ProviderKind
from routing.models import EnrichmentProvider
from routing.normalize import (
    company_domain,
    normalize_company,
    normalize_country,
    normalize_email,
    normalize_phone,
    normalize_postal,
    normalize_region,
)
from tenancy.acting import Acting

__all__ = ["enrich_leads", "lead_facts", "match_account", "normalise_lead", "reenrich"]

log = logging.getLogger(__name__)


def normalise_lead(lead: Lead) -> None:
    lead.email_key = normalize_email(lead.email)
    lead.country_code = normalize_country(lead.country)
    lead.region_code = normalize_region(lead.region, lead.country_code)
    lead.domain = company_domain(lead.email_key, lead.website)
    lead.phone_e164 = normalize_phone(lead.phone, lead.country_code)
    lead.company_key = normalize_company(lead.company)


def enrich_leads(leads: list[Lead], ctx: Any) -> None:
    """Normalise and match a batch of leads (one query per lookup kind for the whole batch)."""
    for lead in leads:
        normalise_lead(lead)
    _match_contacts(leads)
    _match_domains([lead for lead in leads if not lead.account_id and lead.domain])
    _match_company_names([lead for lead in leads if not lead.account_id and lead.company_key])
    matcher = TerritoryMatcher.for_tenant()
    ctx.account_facts = account_facts({lead.account_id for lead in leads if lead.account_id})
    accounts = {a.pk: a for a in Account.objects.filter(pk__in=list(ctx.account_facts))}
    provider = _provider()
    for lead in leads:
        lead.account = accounts.get(lead.account_id) if lead.account_id else None
        if provider is not None and not lead.account_id and lead.domain:
            _ask_provider(provider, lead)
        lead.territory = matcher.primary(
            lead.country_code, lead.region_code, normalize_postal(lead.postal_code)
        )
        lead.enriched_at = ctx.now
        ctx.event(lead, EventKind.ENRICHED, _summary(lead))


def _summary(lead: Lead) -> str:
    parts = []
    if lead.account_id:
        parts.append(f"matched account {lead.account}")
    if lead.contact_id:
        parts.append("known contact")
    if lead.territory:
        parts.append(f"territory {lead.territory}")
    if lead.needs_enrichment:
        parts.append("provider unavailable, will retry")
    return "; ".join(parts) or "no match in your data"


def _match_contacts(leads: list[Lead]) -> None:
    emails = {lead.email_key for lead in leads if lead.email_key}
    if not emails:
        return
    found: dict[str, tuple[int, int | None]] = {}
    for pk, email, account_id in (
        Contact.objects.filter(email__in=emails)
        .order_by("-updated_at")
        .values_list("id", "email", "account_id")
    ):
        found.setdefault(email, (pk, account_id))
    for lead in leads:
        hit = found.get(lead.email_key)
        if hit:
            lead.contact_id, contact_account = hit
            lead.account_id = lead.account_id or contact_account


def _match_domains(leads: list[Lead]) -> None:
    domains = {lead.domain for lead in leads}
    if not domains:
        return
    by_domain: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for domain, account_id, country in AccountDomain.objects.filter(domain__in=domains).values_list(
        "domain", "account_id", "account__country"
    ):
        by_domain[domain].append((account_id, country))
    for lead in leads:
        candidates = sorted(by_domain.get(lead.domain, ()))
        # Several accounts share a domain (subsidiaries): prefer the one in the lead's country.
        same_country = [a for a, c in candidates if c and c == lead.country_code]
        if same_country or candidates:
            lead.account_id = (same_country or [candidates[0][0]])[0]


# tenant → (the accounts' change stamp it was built at, the index)
_COMPANY_INDEXES: dict[tuple, tuple[tuple, dict[tuple[str, str], int]]] = {}


def _company_index() -> dict[tuple[str, str], int]:
    """(normalised company name, country) → account id, kept per process and tenant until
    accounts change (in memory: unpickling it from a shared cache cost more than the lookup)."""
    from django.db.models import Max

    from core.tenancy import current_tenant

    tenant = current_tenant()
    stamp = tuple(Account.objects.aggregate(s=Max("sync_seq"), n=Max("id")).values())
    key = (tenant.pk, tenant.created_at)  # a tenant of a test run reuses an earlier one's id
    kept = _COMPANY_INDEXES.get(key)
    if kept and kept[0] == stamp:
        return kept[1]
    index: dict[tuple[str, str], int] = {}
    for pk, name, legal, country in Account.objects.order_by("id").values_list(
        "id", "name", "legal_name", "country"
    ):
        for value in (name, legal):
            company = normalize_company(value)
            if company:
                index.setdefault((company, country), pk)
    _COMPANY_INDEXES[key] = (stamp, index)
    return index


def _match_company_names(leads: list[Lead]) -> None:
    if not leads:
        return
    index = _company_index()
    for lead in leads:
        lead.account_id = index.get((lead.company_key, lead.country_code))


def match_account(
    *, company: str = "", country: str = "", email: str = "", website: str = ""
) -> int | None:
    """The account the lead matcher finds for a company as a person typed it (deal
    registration's end customer): the contact with that email, an account with the company's
    domain, or the same normalised name in the same country. "ACME GmbH, Wien" is also tried as
    "ACME GmbH" (what follows a comma is a place), and without a country a name that exactly one
    account carries matches it."""
    lead = Lead(company=company, country=country, email=email, website=website)
    normalise_lead(lead)
    _match_contacts([lead])
    if not lead.account_id and lead.domain:
        _match_domains([lead])
    keys = [lead.company_key]
    if "," in company:
        keys.append(normalize_company(company.split(",", 1)[0]))
    index = _company_index() if not lead.account_id and any(keys) else {}
    for key in filter(None, keys):
        if lead.account_id:
            break
        lead.account_id = index.get((key, lead.country_code))
        if not lead.account_id and not lead.country_code:
            found = {pk for (name, _), pk in index.items() if name == key}
            lead.account_id = found.pop() if len(found) == 1 else None
    return lead.account_id


def lead_facts(lead: Lead, ctx: Any) -> Facts:
    """What the rules see of a lead: its account's facts narrowed to the lead's interest and
    budget, or, without an account, what the lead says about itself."""
    codes = frozenset(c for c in (lead.product_interest or []) if isinstance(c, str))
    amount = lead.estimated_amount
    base = getattr(ctx, "account_facts", {}).get(lead.account_id) if lead.account_id else None
    if base is not None:
        return deal_facts(base, amount, codes, ctx.loader)
    return Facts(
        territories=ctx.loader.matcher.codes_for(
            lead.country_code, lead.region_code, normalize_postal(lead.postal_code)
        ),
        country=lead.country_code,
        region=lead.region_code,
        employee_rank=EMPLOYEE_RANK.get(lead.employee_band),
        product_lines=codes,
        service_share=ctx.loader.share(codes),
        deal_size=None if amount is None else float(amount),
        service_needs=frozenset(n for n in (lead.service_needs or []) if isinstance(n, str)),
    )


# --- the HTTP provider --------------------------------------------------------------------------


def _provider() -> EnrichmentProvider | None:
    return (
        EnrichmentProvider.objects.filter(kind=ProviderKind.HTTP, is_active=True)
        .exclude(url="")
        .first()
    )


PROVIDED_FIELDS = ("company", "country", "region", "employee_band")


def _ask_provider(provider: EnrichmentProvider, lead: Lead) -> bool:
    """Fill empty firmographic fields from the provider. Any failure flags the lead for a retry."""
    from urllib.parse import urlencode

    from core.net import safe_get

    query = urlencode(
        {"domain": lead.domain, "company": lead.company, "country": lead.country_code}
    )
    url = f"{provider.url}{'&' if '?' in provider.url else '?'}{query}"
    headers = {"Accept": "application/json"}
    if provider.api_key:
        headers["Authorization"] = f"Bearer {provider.api_key}"
    try:
        status, body = safe_get(url, headers=headers, timeout=provider.timeout_seconds)
        if status != 200:
            raise ValueError(f"HTTP {status}")
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except Exception as exc:  # a provider must never stop routing
        log.info("enrichment provider failed for lead %s: %s", lead.pk, exc)
        lead.needs_enrichment = True
        return False
    for name in PROVIDED_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and value.strip() and not getattr(lead, name):
            setattr(lead, name, value.strip()[: _max_length(name)])
    if lead.employee_band and lead.employee_band not in EMPLOYEE_RANK:
        lead.employee_band = ""
    normalise_lead(lead)
    lead.needs_enrichment = False
    return True


def _max_length(name: str) -> int | None:
    """The stored length of a text field of the lead the provider may fill."""
    return cast(models.CharField, Lead._meta.get_field(name)).max_length


@action
def reenrich(*, acting: Acting, limit: int = 200) -> int:
    """Retry the provider for leads it failed on; fields only, the routing stands."""
    provider = _provider()
    if provider is None:
        Lead.objects.filter(needs_enrichment=True).update(needs_enrichment=False)
        return 0
    done = 0
    for lead in Lead.objects.filter(needs_enrichment=True).order_by("id")[:limit]:
        if _ask_provider(provider, lead):
            lead.save()
            done += 1
    return done
