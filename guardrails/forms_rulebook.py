"""Forms of the RevOps console's rulebook editor and explain page.

Rule conditions are edited as rows, one per condition: the field is fixed per row (chosen when the
row is added), the operator is a select of that field's operators and the value widget fits the
field's kind (`guardrails.conditions.FIELDS`): multi-selects filled from the tenant's territories,
segments, tiers, product lines, target lists, partners and teams; band selects; number inputs.
Nobody types JSON. The rows round-trip through the POST (`c-<n>-field`, `c-<n>-op`,
`c-<n>-values`, `c-<n>-min`, `c-<n>-max`, `c-<n>-value`), so adding or removing a row re-renders
the form with everything typed so far, without JavaScript. What a row holds is checked by
`guardrails.conditions.validate_conditions` (through `services.save_rule`), whose messages name the
rule and the condition; here the rows are only turned into the condition JSON.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

import pycountry
from django import forms
from django.db import models
from django.utils import timezone

from accounts.choices import EmployeeBand, RevenueBand, ServiceNeed
from accounts.models import Account, ProductLine, Segment, TargetList, Tier
from guardrails.choices import Outcome, RequiredField, TargetKind
from guardrails.conditions import FIELDS, OWNER_KINDS
from guardrails.models import RegistrationCriteria, Rulebook
from pipeline.choices import Route
from tenancy.choices import PartnerTier
from tenancy.models import Membership, Partner, Team, Tenant

__all__ = [
    "OWNER_LABELS",
    "ConditionRow",
    "CorridorForm",
    "CriteriaForm",
    "ExplainAccountForm",
    "HypotheticalForm",
    "PublishForm",
    "ReviewHoursForm",
    "RuleForm",
    "SummaryForm",
    "TenantChoices",
    "attach_condition_errors",
    "condition_rows_from_post",
    "condition_rows_from_rule",
    "conditions_of",
    "field_choices",
    "search_accounts",
    "widget_of",
]

BLANK = [("", "—")]
OWNER_LABELS = {"none": "Nobody", "direct": "A direct rep or team", "partner": "A partner"}
OP_LABELS = {
    "in": "is one of",
    "not_in": "is none of",
    "any": "includes any of",
    "all": "includes all of",
    "none": "includes none of",
    "between": "is between",
    "at_least": "is at least",
    "at_most": "is at most",
    "is": "is",
}
_ROW_KEY = re.compile(r"^c-(\d{1,3})-field$")
_CONDITION_REF = re.compile(r"condition (\d+)\b")


class TenantChoices:
    """The tenant's reference data as (value, label) choices, loaded once per request, inside
    the request's tenant scope and from what the viewer may see."""

    def __init__(self, membership: Membership) -> None:
        from guardrails.models import Territory

        self.membership = membership
        territories = list(Territory.objects.visible_to(membership).order_by("name"))
        self.territory = [
            (t.code, t.name if t.is_active else f"{t.name} (archived)") for t in territories
        ]
        self.segment = [(s.key, s.name) for s in Segment.objects.visible_to(membership)]
        self.tier = [(t.key, t.name) for t in Tier.objects.visible_to(membership)]
        self.product_lines = list(ProductLine.objects.visible_to(membership).order_by("name"))
        self.product_line = [(p.code, p.name) for p in self.product_lines]
        self.service_need = list(ServiceNeed.choices)
        self.target_list = [
            (str(t.pk), t.name) for t in TargetList.objects.visible_to(membership).order_by("name")
        ]
        self.partners = list(Partner.objects.visible_to(membership).order_by("name"))
        self.owner_partner = [
            (str(p.pk), p.name if p.status == "active" else f"{p.name} ({p.get_status_display()})")
            for p in self.partners
        ]
        self.teams = list(Team.objects.visible_to(membership).order_by("name"))
        self.owner_team = [(str(t.pk), t.name) for t in self.teams]
        self.employee_band = list(EmployeeBand.choices)
        self.revenue_band = list(RevenueBand.choices)

    @property
    def country(self) -> list[tuple[str, str]]:
        return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])

    def for_field(self, name: str) -> list[tuple[str, str]]:
        return list(getattr(self, name, []))

    def label(self, name: str, value: Any) -> str:
        return dict(self.for_field(name)).get(str(value), str(value))


# --- condition rows ------------------------------------------------------------------------------


def widget_of(name: str) -> str:
    """How a field's value is edited: choose several, a band range, a number range, one number,
    yes/no, an owner kind, or (regions, whose codes are too many to list) typed codes."""
    if name == "region":
        return "codes"
    return {
        "scalar": "choices",
        "multi": "choices",
        "band": "band",
        "amount": "amount",
        "share": "share",
        "flag": "flag",
        "owner": "owner",
    }.get(FIELDS[name].kind, "codes")


@dataclass
class ConditionRow:
    """One condition as the editor shows it; `errors` are the messages that name it."""

    index: int
    field: str
    op: str
    values: list[str] = dataclasses.field(default_factory=list)
    text: str = ""
    low: str = ""
    high: str = ""
    value: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    @property
    def spec(self) -> Any:
        return FIELDS[self.field]

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def widget(self) -> str:
        return widget_of(self.field)

    @property
    def ops(self) -> list[tuple[str, str]]:
        return [(op, OP_LABELS.get(op, op)) for op in self.spec.ops]

    @property
    def owner_choices(self) -> list[tuple[str, str]]:
        return [(kind, OWNER_LABELS[kind]) for kind in OWNER_KINDS]

    def condition(self) -> dict:
        """The row as stored condition JSON (unvalidated: the service checks it)."""
        widget = self.widget
        if widget == "choices":
            value: Any = list(self.values)
        elif widget == "codes":
            value = [v for v in re.split(r"[\s,;]+", self.text) if v]
        elif widget in ("band", "amount"):
            value = {"min": self.low or None, "max": self.high or None}
        elif widget == "share":
            value = self.value
        elif widget == "flag":
            value = {"true": True, "false": False}.get(self.value, self.value)
        else:
            value = self.value
        return {"field": self.field, "op": self.op, "value": value}


def _attach_choices(rows: list[ConditionRow], choices: TenantChoices) -> list[ConditionRow]:
    for row in rows:
        if row.widget == "choices":
            known = choices.for_field(row.field)
            present = {value for value, _ in known}
            # Values the rule names that no longer exist stay visible, so the admin sees them.
            missing = [(v, f"{v} (unknown)") for v in row.values if v not in present]
            row.choices = known + missing
        elif row.widget == "band":
            row.choices = BLANK + choices.for_field(row.field)
    return rows


def condition_rows_from_rule(conditions: list[dict], choices: TenantChoices) -> list[ConditionRow]:
    rows = []
    for index, cond in enumerate(conditions or []):
        name = cond.get("field")
        if name not in FIELDS:
            continue
        value = cond.get("value")
        row = ConditionRow(index=index, field=name, op=cond.get("op") or FIELDS[name].ops[0])
        widget = row.widget
        if widget == "choices" and isinstance(value, list):
            row.values = [str(v) for v in value]
        elif widget == "codes" and isinstance(value, list):
            row.text = ", ".join(str(v) for v in value)
        elif widget in ("band", "amount") and isinstance(value, dict):
            row.low = "" if value.get("min") is None else str(value["min"])
            row.high = "" if value.get("max") is None else str(value["max"])
        elif widget == "flag":
            row.value = ("true" if value else "false") if isinstance(value, bool) else ""
        elif widget == "share" and value is not None:
            row.value = _plain_number(value)
        elif value is not None:
            row.value = str(value)
        rows.append(row)
    return _attach_choices(rows, choices)


def _plain_number(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return str(value)
    return str(number.quantize(Decimal(1))) if number == number.to_integral() else str(number)


def condition_rows_from_post(
    data: Any, choices: TenantChoices
) -> tuple[list[ConditionRow], list[str]]:
    """The rows posted with the rule form, in their order, after an "add" or "remove" button;
    plus problems with the rows themselves (an unknown field). How many conditions a rule may
    have is the service's rule (`guardrails.conditions.validate_conditions`)."""
    problems: list[str] = []
    indexes = sorted(int(m.group(1)) for key in data if (m := _ROW_KEY.match(key)))
    remove = data.get("remove", "")
    rows: list[ConditionRow] = []
    for old in indexes:
        if remove == str(old):
            continue
        name = data.get(f"c-{old}-field", "")
        if name not in FIELDS:
            problems.append(f"Condition {len(rows) + 1}: unknown field {name[:50]!r}.")
            continue
        op = data.get(f"c-{old}-op", "")
        row = ConditionRow(
            index=len(rows),
            field=name,
            op=op if op in FIELDS[name].ops else FIELDS[name].ops[0],
            values=[v[:100] for v in data.getlist(f"c-{old}-values")][:500],
            text=data.get(f"c-{old}-text", "")[:2000],
            low=data.get(f"c-{old}-min", "").strip()[:30],
            high=data.get(f"c-{old}-max", "").strip()[:30],
            value=data.get(f"c-{old}-value", "").strip()[:30],
        )
        rows.append(row)
    if data.get("action") == "add":
        name = data.get("add_field", "")
        if name in FIELDS:
            rows.append(ConditionRow(index=len(rows), field=name, op=FIELDS[name].ops[0]))
        else:
            problems.append("Choose what the new condition tests.")
    return _attach_choices(rows, choices), problems


def conditions_of(rows: list[ConditionRow]) -> list[dict]:
    return [row.condition() for row in rows]


def attach_condition_errors(rows: list[ConditionRow], messages: list[str]) -> list[str]:
    """Give each row the messages that name it ("…, condition 2 (country): …"); the messages
    that name no row are returned."""
    rest = []
    for message in messages:
        match = _CONDITION_REF.search(message)
        number = int(match.group(1)) if match else 0
        if 1 <= number <= len(rows):
            rows[number - 1].errors.append(message)
        else:
            rest.append(message)
    return rest


def field_choices() -> list[tuple[str, str]]:
    return [(name, spec.label) for name, spec in FIELDS.items()]


# --- rule, corridor, criteria --------------------------------------------------------------------


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    """A choice field of the form, whose choices come from the tenant's data."""
    return cast(forms.ChoiceField, form.fields[name])


def _id_choices(objects: list[Any]) -> list[tuple[str, str]]:
    return BLANK + [(str(o.pk), str(o)) for o in objects]


class RuleForm(forms.Form):
    """A rule's name, outcome, target and rationale; its conditions are the rows above."""

    name = forms.CharField(max_length=200)
    outcome = forms.ChoiceField(choices=Outcome.choices)
    target_kind = forms.ChoiceField(choices=TargetKind.choices, label="Target")
    target_team = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Direct team"
    )
    target_partner = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Partner"
    )
    rationale = forms.CharField(
        max_length=300, help_text="One line users will read, e.g. “Local partners stock parts.”"
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default rule",
        help_text="Applies when no other rule matches; it has no conditions and comes last.",
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "target_team").choices = _id_choices(choices.teams)
        choice_field(self, "target_partner").choices = _id_choices(choices.partners)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        kind = data.get("target_kind")
        if kind == TargetKind.TEAM and not data.get("target_team"):
            self.add_error("target_team", "Choose the direct team this rule sends accounts to.")
        if kind == TargetKind.PARTNER and not data.get("target_partner"):
            self.add_error("target_partner", "Choose the partner this rule sends accounts to.")
        if kind != TargetKind.TEAM:
            data["target_team"] = None
        if kind != TargetKind.PARTNER:
            data["target_partner"] = None
        return data


class CorridorForm(forms.Form):
    """A corridor by product line code and tier key, as `services.save_corridor` takes them; the
    rules about a corridor are the model's (`PricingCorridor.clean`), run by the service."""

    product_line = forms.ChoiceField(label="Product line")
    route = forms.ChoiceField(choices=Route.choices)
    tier = forms.ChoiceField(required=False, label="Strategic tier", help_text="Empty: every tier.")
    partner_tier = forms.ChoiceField(
        required=False,
        choices=[("", "Any partner tier"), *list(PartnerTier.choices)],
        label="Partner tier",
        help_text="Only for the partner route.",
    )
    min_discount = forms.DecimalField(
        min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Minimum discount %"
    )
    max_discount = forms.DecimalField(
        min_value=0, max_value=100, max_digits=5, decimal_places=2, label="Maximum discount %"
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "product_line").choices = BLANK + choices.product_line
        choice_field(self, "tier").choices = [("", "Every tier"), *choices.tier]


def model_number(model: type[models.Model], name: str, **kwargs: Any) -> forms.Field:
    """The form field of a model's integer field that checks the model's own validators, so the
    console refuses the same numbers with the same messages as the model (and the API)."""
    source = cast(models.Field, model._meta.get_field(name))
    field = source.formfield(min_value=None, **kwargs)
    assert field is not None
    field.validators = [*field.validators, *source.validators]
    return field


class CriteriaForm(forms.Form):
    min_amount = forms.DecimalField(
        min_value=0, max_digits=16, decimal_places=2, label="Minimum deal amount"
    )
    eligible_product_lines = forms.MultipleChoiceField(
        required=False,
        label="Eligible product lines",
        help_text="None selected: every line.",
        widget=forms.CheckboxSelectMultiple,
    )
    required_fields = forms.MultipleChoiceField(
        required=False,
        choices=RequiredField.choices,
        label="Required fields",
        widget=forms.CheckboxSelectMultiple,
    )
    require_authorization = forms.BooleanField(
        required=False,
        label="The partner must be authorized for the territory and product line",
    )
    min_partner_tier = forms.ChoiceField(
        required=False,
        choices=[("", "Any tier"), *list(PartnerTier.choices)],
        label="Minimum partner tier",
    )
    exclude_named_accounts = forms.BooleanField(
        required=False, label="Direct-named accounts cannot be registered"
    )
    # Their limits are the model's validators, which `save_criteria` runs for every door.
    protection_days = model_number(
        RegistrationCriteria, "protection_days", label="Protection (days)"
    )
    max_extensions = model_number(
        RegistrationCriteria, "max_extensions", label="Extensions allowed"
    )
    extension_days = model_number(
        RegistrationCriteria, "extension_days", label="Days added per extension"
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "eligible_product_lines").choices = choices.product_line


class SummaryForm(forms.Form):
    summary = forms.CharField(
        max_length=300, required=False, label="Summary", help_text="What changed and why."
    )


class ReviewHoursForm(forms.Form):
    """The limits are the model's validators, which `set_review_hours` runs for every door."""

    exception_review_hours = model_number(
        Rulebook, "exception_review_hours", label="Exception review time (hours)"
    )


class PublishForm(forms.Form):
    """When the version takes effect, in the tenant's time zone; empty: at once."""

    effective_date = forms.DateField(
        required=False, label="Effective date", widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_time = forms.TimeField(
        required=False, label="Time", widget=forms.TimeInput(attrs={"type": "time"})
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tz = tenant.zone  # the zone the page shows its times in (tenancy/clock.py)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        day, time = data.get("effective_date"), data.get("effective_time")
        if self.errors:
            return data
        if day is None and time is not None:
            self.add_error("effective_date", "Give the date too, or leave both empty for now.")
            return data
        if day is None:
            data["effective_at"] = None
            return data
        moment = dt.datetime.combine(day, time or dt.time(0, 0), tzinfo=self.tz)
        if moment < timezone.now() - dt.timedelta(minutes=1):
            self.add_error(
                "effective_date",
                "That moment has passed. Leave the date empty to publish now.",
            )
            return data
        data["effective_at"] = moment
        return data


# --- explain -----------------------------------------------------------------------------------


class ExplainAccountForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Account name")
    account = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)


class HypotheticalForm(forms.Form):
    """Attributes of an account that does not exist (yet), for explain."""

    country = forms.ChoiceField(required=False)
    region = forms.CharField(
        required=False, max_length=10, help_text="ISO 3166-2, e.g. DE-BY", label="Region"
    )
    postal_code = forms.CharField(required=False, max_length=20, label="Postal code")
    segment = forms.ChoiceField(required=False)
    tier = forms.ChoiceField(required=False, label="Strategic tier")
    employee_band = forms.ChoiceField(required=False, label="Employees")
    revenue_band = forms.ChoiceField(required=False, label="Annual revenue")
    product_lines = forms.MultipleChoiceField(required=False, label="Product lines")
    service_needs = forms.MultipleChoiceField(required=False, label="Service needs")
    named_account = forms.BooleanField(required=False, label="Direct-named account")
    target_lists = forms.MultipleChoiceField(required=False, label="On target lists")
    owner = forms.ChoiceField(
        required=False,
        label="Current owner",
        choices=[(kind, OWNER_LABELS[kind]) for kind in OWNER_KINDS],
    )
    deal_size = forms.DecimalField(
        required=False, min_value=0, max_digits=16, decimal_places=2, label="Deal size"
    )

    def __init__(self, *args: Any, choices: TenantChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "country").choices = BLANK + choices.country
        choice_field(self, "segment").choices = BLANK + choices.segment
        choice_field(self, "tier").choices = BLANK + choices.tier
        choice_field(self, "employee_band").choices = BLANK + choices.employee_band
        choice_field(self, "revenue_band").choices = BLANK + choices.revenue_band
        choice_field(self, "product_lines").choices = choices.product_line
        choice_field(self, "service_needs").choices = choices.service_need
        choice_field(self, "target_lists").choices = choices.target_list

    def facts_data(self) -> dict:
        """What `engine.explain_hypothetical` takes."""
        data = dict(self.cleaned_data)
        data["target_lists"] = [int(v) for v in data.get("target_lists") or []]
        data["region"] = (data.get("region") or "").strip().upper()
        data["owner"] = data.get("owner") or "none"
        return data


def search_accounts(membership: Membership, query: str, limit: int = 20) -> list[Account]:
    query = query.replace("\x00", "").strip()
    if not query:
        return []
    return list(
        Account.objects.visible_to(membership)
        .filter(name__icontains=query)
        .order_by("name", "pk")[:limit]
    )
