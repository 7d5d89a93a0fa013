"""The scorecards' forms: the filter bar every scorecard page reads (quarter, territory, segment,
product line, route, partner, team, attribution model), and the console's settings (the
measuring settings, exchange rates, tier requirements) as ModelForms, which run the models'
field validators. Rules across rows (one rate a currency and day, a known metric) are the
services' (scorecards.settings_services)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.metrics import Filters, metrics
from scorecards import services
from scorecards.choices import MODEL_CHOICES, DecisionStatus
from scorecards.filtering import (
    FILTER_FIELDS,
    ROUTES,
    WHAT,
    filter_options,
    resolve_filters,
    unknown,
)
from scorecards.models import ExchangeRate, ReviewDecision, ScorecardSettings, TierRequirement
from tenancy.choices import PartnerTier
from tenancy.models import Membership, Partner, Team, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "GROUPINGS",
    "QUARTER_CHOICES",
    "CloseDecisionForm",
    "ConversionForm",
    "ExchangeRateForm",
    "FilterForm",
    "ReviewDecisionForm",
    "ScorecardSettingsForm",
    "Selection",
    "TierRequirementForm",
]

# How many recent quarters the quarter select offers (any other is typed).
QUARTER_CHOICES = 8


def _invalid(what: str) -> dict[str, str]:
    return {"invalid_choice": unknown(what, "%(value)s")}


@dataclass(frozen=True)
class Selection:
    """What the filter bar asked for, checked: the quarter, the model, the filters, the query
    string that asks for the same again (`params`), and the filters in words (`chosen`)."""

    quarter: Quarter
    model: str
    filters: Filters
    params: dict[str, str] = field(default_factory=dict)
    chosen: list[tuple[str, str]] = field(default_factory=list)  # (filter label, value label)

    @property
    def filtered(self) -> bool:
        return bool(self.chosen)


class FilterForm(forms.Form):
    """The filter bar, bound to the query string. A partner user gets no route, partner or team
    filter (their figures are their partner's only, and such a filter could narrow the tier
    average to another party's slice; the API refuses them too); every list offers what the
    viewer may see."""

    quarter = forms.CharField(required=False, label="Quarter", widget=forms.Select)
    other_quarter = forms.CharField(
        required=False,
        max_length=20,
        label="Or type a quarter",
        widget=forms.TextInput(attrs={"placeholder": "e.g. 2024-Q3", "autocomplete": "off"}),
    )
    territory = forms.ChoiceField(
        required=False, label="Territory", error_messages=_invalid("territory")
    )
    segment = forms.ChoiceField(required=False, label="Segment", error_messages=_invalid("segment"))
    product_line = forms.ChoiceField(
        required=False, label="Product line", error_messages=_invalid("product_line")
    )
    route = forms.ChoiceField(
        required=False,
        label="Route",
        choices=[("", "Both routes"), *ROUTES],
        error_messages=_invalid("route"),
    )
    partner = forms.ChoiceField(required=False, label="Partner", error_messages=_invalid("partner"))
    team = forms.ChoiceField(required=False, label="Team", error_messages=_invalid("team"))
    model = forms.ChoiceField(
        required=False,
        label="Attribution model",
        choices=MODEL_CHOICES,
        error_messages={
            "invalid_choice": "There is no attribution model “%(value)s”: pick one from the list."
        },
    )

    def __init__(
        self,
        data: Any,
        *,
        membership: Membership,
        tenant: Tenant,
        default_model: str,
        today: dt.date | None = None,
    ) -> None:
        super().__init__(data)
        self.tenant = tenant
        self.default_model = default_model
        self.today = today or timezone.now().astimezone(tenant.zone).date()
        current = Quarter.of(tenant, self.today)
        recent = [current.shifted(-n) for n in range(QUARTER_CHOICES)]
        self.fields["quarter"].widget.choices = [(q.code, q.label) for q in recent]
        self.fields["quarter"].initial = current.code
        self.fields["model"].initial = default_model
        self.membership = membership
        self.options = filter_options(membership)
        for name in FILTER_FIELDS:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            if name not in self.options:
                del self.fields[name]
            elif name != "route":
                everything = f"All {WHAT[name]}s" if name != "territory" else "All territories"
                field.choices = [
                    ("", everything),
                    *((o.value, o.label) for o in self.options[name]),
                ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("other_quarter") or "").strip()
        source = "other_quarter" if typed else "quarter"
        try:
            data["the_quarter"] = services.quarter_from(
                self.tenant, typed or data.get("quarter") or None, today=self.today
            )
        except ValidationError as error:
            self.add_error(source, error.message_dict.get("quarter", error.messages))
        return data

    def selection(self) -> Selection:
        """The checked selection; call after `is_valid()` returned True."""
        data = self.cleaned_data
        quarter: Quarter = data["the_quarter"]
        model = data.get("model") or self.default_model
        given = {name: data[name] for name in FILTER_FIELDS if data.get(name)}
        filters = resolve_filters(self.membership, given, self.options)
        params = {"quarter": quarter.code, **given}
        labels = {name: {o.value: o.label for o in self.options[name]} for name in given}
        chosen = [
            (str(self.fields[name].label), labels[name].get(value, value))
            for name, value in given.items()
        ]
        if model != self.default_model:
            params["model"] = model
        return Selection(
            quarter=quarter, model=model, filters=filters, params=params, chosen=chosen
        )

    def show(self, selection: Selection) -> None:
        """Let the bar show what the figures are: the quarter chosen in the select (a typed
        one added to it), and the model in force (the tenant's default unless one was picked)."""
        data = dict(self.data.items())
        data["quarter"] = selection.quarter.code
        data["model"] = selection.model
        data.pop("other_quarter", None)
        self.data = data
        select = self.fields["quarter"].widget
        assert isinstance(select, forms.Select)
        codes = {code for code, _ in select.choices}
        if selection.quarter.code not in codes:
            select.choices = [*select.choices, (selection.quarter.code, selection.quarter.label)]

    @property
    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in FILTER_FIELDS if name in self.fields]


class ScorecardSettingsForm(forms.ModelForm):
    class Meta:
        model = ScorecardSettings
        fields = ["lookback_days", "half_life_days", "default_model"]
        labels = {
            "lookback_days": "Influence lookback (days)",
            "half_life_days": "Time-decay half-life (days)",
            "default_model": "Default attribution model",
        }
        help_texts = {"default_model": "What the scorecards show until someone picks another."}


class ExchangeRateForm(forms.ModelForm):
    class Meta:
        model = ExchangeRate
        fields = ["currency", "valid_from", "rate"]
        labels = {"currency": "Currency", "valid_from": "Valid from", "rate": "Rate"}
        help_texts = {
            "currency": "Its ISO code, e.g. USD.",
            "rate": "What one unit of it is worth in the tenant's currency.",
        }
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"})}

    def clean_currency(self) -> str:
        value = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(value) != 3 or not value.isalpha() or not value.isascii():
            raise ValidationError("Use the currency's three-letter ISO code, e.g. USD.")
        return value


class TierRequirementForm(forms.ModelForm):
    metric = forms.ChoiceField(label="Metric")

    class Meta:
        model = TierRequirement
        fields = ["tier", "metric", "minimum"]
        labels = {"tier": "Tier", "minimum": "At least"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        metric = self.fields["metric"]
        assert isinstance(metric, forms.ChoiceField)
        metric.choices = [("", "Choose a metric"), *((m.key, m.label) for m in metrics())]
        metric.error_messages["invalid_choice"] = "There is no metric “%(value)s”."
        tier = self.fields["tier"]
        assert isinstance(tier, forms.ChoiceField)
        tier.choices = [("", "Choose a tier"), *PartnerTier.choices]


# The offer conversion page's groupings: what a choice is called and the dimensions it groups by
# (scorecards.conversion.DIMENSIONS). Partner users and direct users see their own party only,
# so a split by route or partner is the console's.
GROUPINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "offer": ("Offer", ("offer",)),
    "campaign": ("Campaign", ("campaign",)),
    "offer-partner": ("Offer and partner", ("offer", "route", "partner")),
    "campaign-partner": ("Campaign and partner", ("campaign", "route", "partner")),
    "route": ("Route", ("route",)),
    "partner": ("Partner", ("route", "partner")),
}
OWN_PARTY_GROUPINGS = ("offer", "campaign")


class ConversionForm(forms.Form):
    """The offer conversion page's filter bar, bound to the query string: the quarter, how to
    group, and in the console a route and a partner. Every list offers what the viewer may see;
    a partner user or a direct user gets no route or partner filter (their rows are their own
    party's already)."""

    quarter = forms.CharField(required=False, label="Quarter", widget=forms.Select)
    other_quarter = forms.CharField(
        required=False,
        max_length=20,
        label="Or type a quarter",
        widget=forms.TextInput(attrs={"placeholder": "e.g. 2024-Q3", "autocomplete": "off"}),
    )
    group = forms.ChoiceField(
        required=False,
        label="Group by",
        error_messages={
            "invalid_choice": "There is no grouping “%(value)s”: pick one from the list."
        },
    )
    route = forms.ChoiceField(
        required=False,
        label="Route",
        choices=[("", "Both routes"), *ROUTES],
        error_messages=_invalid("route"),
    )
    partner = forms.ChoiceField(required=False, label="Partner", error_messages=_invalid("partner"))

    def __init__(
        self, data: Any, *, membership: Membership, tenant: Tenant, today: dt.date | None = None
    ) -> None:
        super().__init__(data)
        self.tenant = tenant
        self.today = today or timezone.now().astimezone(tenant.zone).date()
        current = Quarter.of(tenant, self.today)
        recent = [current.shifted(-n) for n in range(QUARTER_CHOICES)]
        self.fields["quarter"].widget.choices = [(q.code, q.label) for q in recent]
        self.fields["quarter"].initial = current.code
        names = list(GROUPINGS) if membership.is_admin else list(OWN_PARTY_GROUPINGS)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = [(name, GROUPINGS[name][0]) for name in names]
        if not membership.is_admin:
            del self.fields["route"], self.fields["partner"]
            return
        options = filter_options(membership)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ChoiceField)
        partner.choices = [("", "All partners"), *((o.value, o.label) for o in options["partner"])]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = (data.get("other_quarter") or "").strip()
        source = "other_quarter" if typed else "quarter"
        try:
            data["the_quarter"] = services.quarter_from(
                self.tenant, typed or data.get("quarter") or None, today=self.today
            )
        except ValidationError as error:
            self.add_error(source, error.message_dict.get("quarter", error.messages))
        data["group"] = data.get("group") or "offer"
        data["partner"] = int(data["partner"]) if data.get("partner") else None
        data["route"] = data.get("route") or None
        return data

    def show(self) -> None:
        """Let the bar show the quarter chosen (a typed one added to the select)."""
        quarter: Quarter = self.cleaned_data["the_quarter"]
        data = dict(self.data.items())
        data["quarter"] = quarter.code
        data.pop("other_quarter", None)
        self.data = data
        select = self.fields["quarter"].widget
        assert isinstance(select, forms.Select)
        if quarter.code not in {code for code, _ in select.choices}:
            select.choices = [*select.choices, (quarter.code, quarter.label)]

    @property
    def dimensions(self) -> tuple[str, ...]:
        return GROUPINGS[self.cleaned_data["group"]][1]

    @property
    def narrowing(self) -> dict[str, Any]:
        return {
            "route": self.cleaned_data.get("route"),
            "partner": self.cleaned_data.get("partner"),
        }


# --- the governance review's decisions (scorecards/review/decisions.py) ------------------------


class ReviewDecisionForm(forms.ModelForm):
    """A decision recorded or edited in a review: what, who carries it out, by when, which partner
    or team it concerns. A ModelForm, so the model's `clean()` runs (owner, due date, tenant); the
    payload (what applying it acts on) comes pre-filled from the review item it answers and is
    checked by `decisions.create_decision` / `update_decision`."""

    owner = forms.ModelChoiceField(queryset=Membership.objects.none(), label="Owner")
    partner = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, label="Concerns partner"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, label="Concerns team"
    )

    class Meta:
        model = ReviewDecision
        fields = [
            "kind",
            "title",
            "detail",
            "owner",
            "due_on",
            "partner",
            "team",
            "payload",
            "source",
        ]
        widgets = {
            "due_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "detail": forms.Textarea(attrs={"rows": 3}),
            "payload": forms.HiddenInput,
            "source": forms.HiddenInput,
        }
        labels = {
            "title": "Decision",
            "due_on": "Due on",
            "partner": "Concerns partner",
            "team": "Concerns team",
        }

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.tenant = membership.tenant
        owners = Membership.objects.visible_to(membership).filter(is_active=True)
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = owners.select_related("user").order_by("user__email")
        owner.label_from_instance = _owner_label  # type: ignore[method-assign,assignment]
        partner, team = self.fields["partner"], self.fields["team"]
        assert isinstance(partner, forms.ModelChoiceField)
        assert isinstance(team, forms.ModelChoiceField)
        partner.queryset = Partner.objects.visible_to(membership).order_by("name")
        team.queryset = Team.objects.visible_to(membership).order_by("name")
        self.fields["payload"].required = False


def _owner_label(membership: Membership) -> str:
    user = membership.user
    name = user.full_name if getattr(user, "full_name", "") else ""
    return f"{name} ({user.email})" if name else user.email


class CloseDecisionForm(forms.Form):
    """Close a decision: done (what was done) or dropped (why: the service requires it)."""

    status = forms.ChoiceField(
        choices=[(DecisionStatus.DONE, "Done"), (DecisionStatus.DROPPED, "Dropped")],
        widget=forms.RadioSelect,
        initial=DecisionStatus.DONE,
    )
    outcome = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Outcome",
        help_text="What was done, or why it is dropped.",
    )
