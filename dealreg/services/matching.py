"""The end customer as the registrant typed it, matched to an existing account with the same
matcher lead intake uses (routing.enrich.match_account), so "ACME GmbH, Wien" and "Acme" are one
account and the registrant is told which one it matched. A customer nobody knows yet becomes a
new account when the registration is submitted (not while it is a draft)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import Account
from dealreg.models import DealRegistration, DealRegSettings
from dealreg.services.state import settings_for
from routing.enrich import match_account
from routing.normalize import normalize_country

__all__ = ["Match", "ensure_end_customer", "find_customer"]


@dataclass(frozen=True)
class Match:
    account: Account | None
    message: str


def find_customer(name: str, *, country: str = "", website: str = "", email: str = "") -> Match:
    """The existing account a typed customer is, if any, and what to tell the registrant (its
    name only: nothing of who works it)."""
    if not (name or "").strip() and not website and not email:
        return Match(None, "")
    account_id = match_account(company=name, country=country, email=email, website=website)
    account = Account.objects.filter(pk=account_id).first() if account_id else None
    if account is None:
        return Match(None, "No existing customer matches; a new one is created on submit.")
    return Match(account, f"Matched the existing customer “{account.name}”.")


def ensure_end_customer(registration: DealRegistration) -> Account:
    """The registration's end customer, matched again or created now. Serialised on the
    tenant's settings row, so two registrations of one new customer submitted together make one
    account (and then meet in the conflict engine) rather than two."""
    if registration.end_customer_id:
        return registration.end_customer  # type: ignore[return-value]
    with transaction.atomic():
        row = settings_for(registration.tenant_id)  # made before it is locked
        DealRegSettings.objects.select_for_update().filter(pk=row.pk).first()
        match = find_customer(
            registration.end_customer_name,
            country=registration.end_customer_country,
            website=registration.end_customer_website,
            email=registration.contact_email,
        )
        # "ACME GmbH, Wien": the company, then where it is.
        name, _, city = registration.end_customer_name.partition(",")
        account = match.account or Account.objects.create(
            tenant_id=registration.tenant_id,
            name=name.strip()[:200] or registration.end_customer_name.strip()[:200],
            city=city.strip()[:100],
            country=normalize_country(registration.end_customer_country)[:2],
        )
    registration.end_customer = account
    return account
