"""What the matcher (routing.dedupe) reads of a lead and of a contact: one builder each, used by
the tenant's index (routing.dedupe_service) and by learning the tenant's weights
(routing.dedupe_weights), so both see the same records."""

from __future__ import annotations

from pipeline.choices import LeadStatus
from pipeline.models import Lead
from routing.dedupe import PersonRecord

__all__ = [
    "CONTACT_FIELDS",
    "DEDUPED_STATUSES",
    "INDEXED_FIELDS",
    "contact_record",
    "lead_record",
    "lead_record_of",
]

# The leads the matcher compares with: open ones (merged, converted and disqualified ones not).
DEDUPED_STATUSES = (
    LeadStatus.NEW,
    LeadStatus.ROUTED,
    LeadStatus.ACCEPTED,
    LeadStatus.WORKING,
    LeadStatus.UNROUTABLE,
)

# What the matcher reads of a lead, in `lead_record_of`'s order.
INDEXED_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "street",
    "city",
    "postal_code",
    "country_code",
    "country",
    "updated_at",
)


def lead_record(lead: Lead) -> PersonRecord:
    return lead_record_of(*(getattr(lead, name) for name in INDEXED_FIELDS))


def lead_record_of(pk, first, last, email, phone, company, street, city, postal, code, country, at):
    """A lead from its `INDEXED_FIELDS` values (read with `values_list`, no model instance)."""
    return PersonRecord.from_raw(
        ("lead", pk),
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        company=company,
        street=street,
        city=city,
        postal_code=postal,
        country=code or country,
        updated_at=at,
    )


CONTACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "account__name",
    "account__city",
    "account__postal_code",
    "account__country",
)


def contact_record(row: tuple) -> PersonRecord:
    """A contact as the matcher sees it; its account gives the company and the location."""
    pk, first, last, email, phone, company, city, postal, country = row
    return PersonRecord.from_raw(
        ("contact", pk),
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        company=company or "",
        city=city or "",
        postal_code=postal or "",
        country=country or "",
    )
