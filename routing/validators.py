"""Rules about one row of a lead-ops model, written once and used by the model's fields and
`clean()`: the console's forms (ModelForms) and the API's serializers (which run the model's
validation, core.api.serializers.ModelValidatedSerializer) refuse the same input with the same
message.

Web-form origins: sites that may embed a public form (routing.public). They end up in response
headers (CSP `frame-ancestors`, CORS), so only plain origins pass, on https (plain http only for
a developer's own machine).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator

__all__ = [
    "MAX_ORIGINS",
    "MAX_RECALLS",
    "MAX_SLA_MINUTES",
    "clean_origin",
    "clean_origins",
    "plain_origin",
    "sla_minutes_cap",
    "validate_origins",
]

# A month of business minutes is more than any SLA needs, and keeps the calendar search short.
MAX_SLA_MINUTES = 43_200
MAX_RECALLS = 10
MAX_ORIGINS = 20
LOCAL_HOSTS = ("localhost", "127.0.0.1")
ORIGIN = re.compile(r"^https?://[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?(?::\d{1,5})?$")


def sla_minutes_cap() -> MaxValueValidator:
    return MaxValueValidator(MAX_SLA_MINUTES)


def clean_origin(value: Any) -> str:
    """`value` as a web origin (scheme://host[:port], lower case); ValidationError naming the
    value and what is wrong with it otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    shown = f"“{str(value)[:60]}”"
    not_a_site = f"{shown} is not a site; write it as https://www.example.com."
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise ValidationError(f"{shown} is not a valid address.") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError(not_a_site)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise ValidationError(
            f"{shown} has a path; give the site only, such as {parts.scheme}://{parts.netloc}."
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise ValidationError(f"{shown} is not https; forms are embedded on https sites only.")
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    if not ORIGIN.match(origin):
        raise ValidationError(not_a_site)
    return origin


def plain_origin(value: Any) -> str | None:
    """`value` as a web origin, or None if it is not one the rule accepts."""
    try:
        return clean_origin(value)
    except ValidationError:
        return None


def clean_origins(values: Any) -> list[str]:
    """The origins, cleaned and without repeats; one message per value that is not an origin."""
    if not isinstance(values, list | tuple):
        raise ValidationError("Give the sites as a list.")
    cleaned: list[str] = []
    errors: list[ValidationError] = []
    for value in values:
        try:
            cleaned.append(clean_origin(value))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError(errors)
    if len(set(cleaned)) > MAX_ORIGINS:
        raise ValidationError(f"At most {MAX_ORIGINS} sites.")
    return list(dict.fromkeys(cleaned))


def validate_origins(values: Any) -> None:
    """Model field validator of `LeadForm.allowed_origins`."""
    clean_origins(values)
