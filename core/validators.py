"""Normalisers and validators for the contact data every app stores: countries, regions, phone
numbers, emails and web domains. Each returns the canonical form or raises ValidationError with a
message that says what is wrong."""

from __future__ import annotations

import re

import phonenumbers
import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

__all__ = [
    "MAX_ID",
    "normalize_country",
    "normalize_domain",
    "normalize_email",
    "normalize_phone",
    "normalize_region",
    "tidy_email",
]

# The largest id a bigint primary key holds: a larger one in a URL or a body is "not found" or
# "invalid", never a database overflow error.
MAX_ID = 2**63 - 1

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def normalize_country(value: str) -> str:
    code = (value or "").strip().upper()
    if not code:
        return ""
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. DE, US).")
    return code


def normalize_region(value: str, country: str) -> str:
    """An ISO 3166-2 subdivision code such as DE-BY; a bare 'BY' is read within the country."""
    code = (value or "").strip().upper()
    if not code:
        return ""
    if "-" not in code and country:
        code = f"{country}-{code}"
    subdivision = pycountry.subdivisions.get(code=code)
    if subdivision is None:
        raise ValidationError(f"{value!r} is not an ISO 3166-2 region code (e.g. DE-BY, US-TX).")
    if country and subdivision.country_code != country:
        raise ValidationError(f"Region {code} is not in country {country}.")
    return code


def normalize_email(value: str) -> str:
    email = (value or "").strip().lower()
    if email:
        validate_email(email)
    return email


def tidy_email(value: str) -> str:
    """An address kept as given but stored clean: no surrounding spaces, the domain (which is
    case-insensitive) in lower case. The local part keeps its case: strictly, it is the mail
    server's to interpret. (normalize_email lower-cases all of it, for addresses we match on.)"""
    address = (value or "").strip()
    local, at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}" if at else address


def normalize_phone(value: str, country: str = "") -> str:
    """E.164 (+4989123456). Numbers without a country prefix are read in `country`."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, country or None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            f"{raw!r} is not a phone number; use +<country code><number>."
        ) from None
    if not phonenumbers.is_possible_number(number):
        raise ValidationError(f"{raw!r} is not a possible phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(value: str) -> str:
    """A bare host name: scheme, 'www.', path and port are dropped; lowercase."""
    domain = (value or "").strip().lower()
    domain = re.sub(r"^[a-z][a-z0-9+.-]*://", "", domain).split("/")[0].split(":")[0]
    domain = domain.removeprefix("www.").rstrip(".")
    if not _DOMAIN.match(domain):
        raise ValidationError(f"{value!r} is not a web domain (e.g. example.com).")
    return domain
