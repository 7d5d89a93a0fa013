"""Writes of territories, their areas and partner authorizations; used by the console pages and
the API.

Each function validates everything first and writes in one transaction, so bad input changes
nothing; errors are django ValidationErrors whose messages name what is wrong and where ("Area 2:
unknown region 'DE-XX' for Germany"). Rows are saved one by one (not in bulk) so the audit log
records every change. Stored route decisions depend on territories and authorizations: after a
change, `recompute_tenant` (`guardrails.services.decisions`) is queued once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.utils import timezone

from accounts.models import ProductLine
from core.acting import action
from core.models import TenantOwned
from guardrails.choices import VersionStatus
from guardrails.models import PartnerAuthorization, RouteRule, Territory, TerritoryArea
from guardrails.services.decisions import recompute_tenant
from tenancy.acting import Acting
from tenancy.choices import PartnerStatus
from tenancy.models import Partner, Tenant

__all__ = [
    "archive_territory",
    "delete_authorization",
    "restore_territory",
    "save_authorization",
    "save_territory",
    "validate_area",
]

AREA_FIELDS = ("country", "region", "postal_from", "postal_to")
MAX_AREAS = 500
TOO_MANY_AREAS = f"a territory has at most {MAX_AREAS} areas"
POSTAL_MAX = 20
_POSTAL = re.compile(r"^[A-Z0-9-]+$")
_SPACES = re.compile(r"\s+")


# --- areas -------------------------------------------------------------------------------------


def _country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


def _text(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({what: f"{what.replace('_', ' ')} must be text, not {value!r}"})
    if "\x00" in value:
        raise ValidationError({what: f"{what.replace('_', ' ')} contains a NUL character"})
    return value


def validate_area(
    country: Any, region: Any = "", postal_from: Any = "", postal_to: Any = ""
) -> dict:
    """One area, normalised: country (ISO 3166-1 alpha-2, required) upper-cased; region (ISO
    3166-2, of that country; "BY" is read as "DE-BY") upper-cased; postal codes upper-cased with
    spaces removed. `postal_from` alone is a prefix; with `postal_to` an inclusive range whose
    bounds have the same length, from <= to.

    Raises ValidationError with a message per field, e.g. {"region": "unknown region 'DE-XX' for
    Germany"}."""
    country = _text(country, "country").strip().upper()
    region = _text(region, "region").strip().upper()
    postal_from = _SPACES.sub("", _text(postal_from, "postal_from")).upper()
    postal_to = _SPACES.sub("", _text(postal_to, "postal_to")).upper()
    errors: dict[str, str] = {}
    if not country:
        errors["country"] = "a country is required (ISO 3166-1 code, e.g. DE)"
    elif len(country) != 2 or pycountry.countries.get(alpha_2=country) is None:
        errors["country"] = f"unknown country code {country!r} (use ISO 3166-1, e.g. DE)"
    if region and "country" not in errors:
        if "-" not in region:
            region = f"{country}-{region}"
        subdivision = pycountry.subdivisions.get(code=region)
        if subdivision is None or subdivision.country_code != country:
            errors["region"] = f"unknown region {region!r} for {_country_name(country)}"
    for name, value in (("postal_from", postal_from), ("postal_to", postal_to)):
        label = "postal code from" if name == "postal_from" else "postal code to"
        if len(value) > POSTAL_MAX:
            errors[name] = f"{label} {value!r} is longer than {POSTAL_MAX} characters"
        elif value and not _POSTAL.match(value):
            errors[name] = f"{label} {value!r} may only have letters, digits and hyphens"
    if postal_to and "postal_to" not in errors and "postal_from" not in errors:
        if not postal_from:
            errors["postal_from"] = "a postal code range needs a start (postal code from)"
        elif len(postal_from) != len(postal_to):
            errors["postal_to"] = (
                f"the range {postal_from}–{postal_to} needs bounds of the same length"
            )
        elif postal_from > postal_to:
            errors["postal_to"] = f"the range {postal_from}–{postal_to} ends before it starts"
    if errors:
        raise ValidationError(errors)
    return {
        "country": country,
        "region": region,
        "postal_from": postal_from,
        "postal_to": postal_to,
    }


def _area_rows(areas: list) -> list[dict]:
    """Validate every area; the errors of all rows at once, each naming its row (from 1)."""
    if not areas:
        raise ValidationError({"areas": "a territory needs at least one area (a country)"})
    if len(areas) > MAX_AREAS:
        raise ValidationError({"areas": TOO_MANY_AREAS})
    rows: list[dict] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for number, area in enumerate(areas, start=1):
        if not isinstance(area, Mapping):
            problems.append(
                f"Area {number}: must be an object with country, region and postal codes"
            )
            continue
        unknown = sorted(set(area) - set(AREA_FIELDS) - {"id"})
        if unknown:
            problems.append(f"Area {number}: unknown field {', '.join(map(repr, unknown))}")
            continue
        try:
            row = validate_area(**{k: area.get(k, "") for k in AREA_FIELDS})
        except ValidationError as exc:
            problems.extend(
                f"Area {number}: {m}" for msgs in exc.message_dict.values() for m in msgs
            )
            continue
        key = tuple(row[k] for k in AREA_FIELDS)
        if key in seen:
            problems.append(f"Area {number}: repeats area {seen[key]}")
            continue
        seen[key] = number
        rows.append(row)
    if problems:
        raise ValidationError({"areas": problems})
    return rows


# --- territories -------------------------------------------------------------------------------


def _rules_using_territory(code: str) -> list[RouteRule]:
    """Rules of live versions (drafts, scheduled, active) whose conditions name the territory."""
    rules = RouteRule.objects.exclude(version__status=VersionStatus.RETIRED).select_related(
        "version"
    )
    using = []
    for rule in rules.only("name", "position", "conditions", "version__number"):
        for condition in rule.conditions if isinstance(rule.conditions, list) else []:
            value = condition.get("value") if isinstance(condition, dict) else None
            if condition.get("field") == "territory" and isinstance(value, list) and code in value:
                using.append(rule)
                break
    return using


def _describe_rules(rules: list[RouteRule], limit: int = 3) -> str:
    named = [f"version {r.version.number}, rule {r.position} “{r.name}”" for r in rules[:limit]]
    more = f" and {len(rules) - limit} more" if len(rules) > limit else ""
    return "; ".join(named) + more


def _territory_fields(data: Mapping[str, Any], territory: Territory | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name, limit, required in (
        ("code", 50, True),
        ("name", 200, True),
        ("description", 300, False),
    ):
        if name not in data and territory is not None:
            clean[name] = getattr(territory, name)
            continue
        try:
            value = _text(data.get(name), name).strip()
        except ValidationError as exc:
            errors[name] = exc.message_dict[name][0]
            continue
        if name == "code":
            value = value.lower()
        if required and not value:
            errors[name] = f"a {name} is required"
        elif len(value) > limit:
            errors[name] = f"{name} is longer than {limit} characters"
        elif name == "code":
            try:
                validate_slug(value)
            except ValidationError:
                errors[name] = (
                    f"code {value!r} may only have letters, digits, hyphens and underscores"
                )
        clean[name] = value
    if errors:
        raise ValidationError(errors)
    return clean


@action
def save_territory(
    tenant: Tenant,
    *,
    acting: Acting,
    data: Mapping[str, Any],
    areas: Iterable[Mapping[str, Any]],
    territory: Territory | None = None,
) -> Territory:
    """Create a territory, or update `territory`, and make its areas exactly `areas`.

    `data` has code, name and description (on update, a missing key keeps its value). The code is
    unique in the tenant and cannot change while a live rule version names it. Areas are dicts of
    country, region, postal_from, postal_to (see validate_area); identical rows are kept, the
    others deleted or created. All or nothing."""
    if territory is not None and territory.tenant_id != tenant.pk:
        raise ValidationError("That territory belongs to another tenant.")
    clean = _territory_fields(data, territory)
    if isinstance(areas, str | bytes | Mapping) or not isinstance(areas, Iterable):
        raise ValidationError({"areas": "areas must be a list"})
    rows = _area_rows(list(areas))
    with transaction.atomic():
        clash = Territory.objects.filter(tenant=tenant, code=clean["code"])
        if territory is not None:
            clash = clash.exclude(pk=territory.pk)
        if clash.exists():
            raise ValidationError(
                {"code": f"a territory with code {clean['code']!r} already exists"}
            )
        if territory is not None and clean["code"] != territory.code:
            using = _rules_using_territory(territory.code)
            if using:
                raise ValidationError(
                    {
                        "code": f"code {territory.code!r} is used by {_describe_rules(using)}; "
                        "change those rules before renaming it"
                    }
                )
        if territory is None:
            territory = Territory(tenant=tenant)
        for name, value in clean.items():
            setattr(territory, name, value)
        territory.save()
        _replace_areas(territory, rows)
        _recompute_on_commit(tenant)
    return territory


def _replace_areas(territory: Territory, rows: list[dict]) -> None:
    wanted = {tuple(row[k] for k in AREA_FIELDS): row for row in rows}
    for area in TerritoryArea.objects.filter(territory=territory).order_by("pk"):
        key = tuple(getattr(area, k) for k in AREA_FIELDS)
        if key in wanted:
            wanted.pop(key)
        else:
            area.delete()
    for row in rows:
        if tuple(row[k] for k in AREA_FIELDS) in wanted:
            TerritoryArea.objects.create(tenant_id=territory.tenant_id, territory=territory, **row)


@action
def archive_territory(territory: Territory, *, acting: Acting) -> Territory:
    """Archive: the territory stops matching any account; its authorizations stay on record.
    Rules that still name it are flagged by lint."""
    if territory.archived_at is None:
        with transaction.atomic():
            territory.archived_at = timezone.now()
            territory.save(update_fields=["archived_at", "updated_at"])
            _recompute_on_commit(territory.tenant)
    return territory


@action
def restore_territory(territory: Territory, *, acting: Acting) -> Territory:
    if territory.archived_at is not None:
        with transaction.atomic():
            territory.archived_at = None
            territory.save(update_fields=["archived_at", "updated_at"])
            _recompute_on_commit(territory.tenant)
    return territory


# --- partner authorizations ----------------------------------------------------------------------


def _in_tenant(model: type[TenantOwned], value: Any, tenant: Tenant, label: str) -> Any:
    """`value` (an instance or an id) as a row of `model` in the tenant, else ValidationError."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        if value.tenant_id != tenant.pk:
            raise ValidationError({label: f"no such {label.replace('_', ' ')}"})
        return value
    if isinstance(value, bool) or not str(value).isdigit() or len(str(value)) > 18:
        raise ValidationError({label: f"{value!r} is not a {label.replace('_', ' ')} id"})
    found = model._default_manager.filter(tenant=tenant, pk=int(value)).first()
    if found is None:
        raise ValidationError({label: f"no such {label.replace('_', ' ')} (#{value})"})
    return found


def _date(value: Any, label: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({label: f"{value!r} is not a date (YYYY-MM-DD)"}) from None


@action
def save_authorization(
    tenant: Tenant,
    data: Mapping[str, Any],
    *,
    acting: Acting,
    authorization: PartnerAuthorization | None = None,
) -> PartnerAuthorization:
    """Create or update an authorization: `data` has partner, territory, product_line (empty:
    every line), valid_from, valid_until (empty: open-ended); instances or ids. The partner must
    be active, the territory not archived, the dates in order, and it must not overlap another
    authorization of the same partner, territory and line."""
    if authorization is not None and authorization.tenant_id != tenant.pk:
        raise ValidationError("That authorization belongs to another tenant.")

    def pick(name: str) -> Any:
        if name in data or authorization is None:
            return data.get(name)
        return getattr(authorization, name)

    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, model, required in (
        ("partner", Partner, True),
        ("territory", Territory, True),
        ("product_line", ProductLine, False),
    ):
        try:
            values[name] = _in_tenant(model, pick(name), tenant, name)
        except ValidationError as exc:
            errors[name] = exc.message_dict[name][0]
            continue
        if required and values[name] is None:
            errors[name] = f"a {name} is required"
    for name in ("valid_from", "valid_until"):
        try:
            values[name] = _date(pick(name), name)
        except ValidationError as exc:
            errors[name] = exc.message_dict[name][0]
    partner, territory = values.get("partner"), values.get("territory")
    if partner is not None and partner.status != PartnerStatus.ACTIVE:
        errors["partner"] = f"partner “{partner.name}” is {partner.get_status_display().lower()}"
    if territory is not None and territory.archived_at is not None:
        errors["territory"] = f"territory “{territory.name}” is archived"
    if "valid_from" not in errors and values.get("valid_from") is None:
        errors["valid_from"] = "a start date is required"
    start, end = values.get("valid_from"), values.get("valid_until")
    if start and end and end < start:
        errors["valid_until"] = f"the end date {end} is before the start date {start}"
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        overlapping = PartnerAuthorization.objects.filter(
            tenant=tenant,
            partner=partner,
            territory=territory,
            product_line=values["product_line"],
        ).exclude(valid_until__lt=start)
        if end is not None:
            overlapping = overlapping.exclude(valid_from__gt=end)
        if authorization is not None:
            overlapping = overlapping.exclude(pk=authorization.pk)
        other = overlapping.order_by("valid_from").first()
        if other is not None:
            until = f"until {other.valid_until}" if other.valid_until else "open-ended"
            raise ValidationError(
                {
                    "valid_from": f"overlaps the authorization #{other.pk} of the same partner, "
                    f"territory and product line (from {other.valid_from}, {until})"
                }
            )
        if authorization is None:
            authorization = PartnerAuthorization(tenant=tenant)
        for name, value in values.items():
            setattr(authorization, name, value)
        authorization.save()
        _recompute_on_commit(tenant)
    return authorization


@action
def delete_authorization(authorization: PartnerAuthorization, *, acting: Acting) -> None:
    tenant = authorization.tenant
    with transaction.atomic():
        authorization.delete()
        _recompute_on_commit(tenant)


# --- stored decisions ----------------------------------------------------------------------------


def _recompute_on_commit(tenant: Tenant) -> None:
    """Territories and authorizations feed every stored route decision: once the change is
    committed, the tenant's decisions are recomputed in the background (a large tenant takes
    seconds; without a broker the task runs at once)."""
    tenant_id = tenant.pk
    transaction.on_commit(lambda: recompute_tenant.delay(tenant_id=tenant_id))
