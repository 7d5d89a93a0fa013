"""Console and portal forms of campaigns: the input's shape only.

Every rule (validity dates, routes and tiers, the ROI inputs and formula, a campaign's partner
mode, logo bytes, colours) is the models' and the services'; a view calls the service with the
form's `changes()` and puts the service's `ValidationError` messages on the fields they name
(`place_errors`). JSON fields are typed as text: a parse error says where (line and column)."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import ProductLine, TargetList
from campaigns.choices import (
    AssetKind,
    CampaignKind,
    CampaignStatus,
    OfferKind,
    OfferStatus,
    PartnerMode,
    Route,
)
from campaigns.models import Offer
from tenancy.choices import PartnerTier
from tenancy.models import Partner

__all__ = [
    "PROFILE_INITIAL",
    "AssetForm",
    "CampaignForm",
    "CoBrandForm",
    "JsonText",
    "OfferForm",
    "place_errors",
]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class JsonText(forms.CharField):
    """JSON typed in a text area. Only the syntax is checked here; what the value must hold is
    the model's rule (campaigns.roi.check_inputs, campaigns.validators.check_copy)."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"})

    def __init__(self, *, empty: Any, **kwargs: Any) -> None:
        self.empty = empty
        super().__init__(required=False, strip=True, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, indent=2, ensure_ascii=False) if value else ""
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return self.empty() if callable(self.empty) else self.empty
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
            ) from None


def _checkboxes(choices: Any, label: str, **kwargs: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices, label=label, required=False, widget=forms.CheckboxSelectMultiple, **kwargs
    )


class _ChangesForm(forms.Form):
    """A form whose cleaned data goes to a service as keyword arguments."""

    RELATED: tuple[str, ...] = ()  # passed to the service by their own names, not as fields

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.RELATED}

    def related(self) -> dict[str, Any]:
        return {k: list(self.cleaned_data[k]) for k in self.RELATED}


class OfferForm(_ChangesForm):
    RELATED = ("product_lines",)

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=OfferKind.choices)
    status = forms.ChoiceField(choices=OfferStatus.choices, initial=OfferStatus.DRAFT)
    summary = forms.CharField(max_length=500, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    routes = _checkboxes(
        Route.choices, "Who may use it", help_text="Direct sales, partners, or both."
    )
    partner_tiers = _checkboxes(
        PartnerTier.choices, "Partner tiers", help_text="None ticked: partners of every tier."
    )
    valid_from = forms.DateField(required=False, widget=DATE, label="Valid from")
    valid_until = forms.DateField(required=False, widget=DATE, label="Valid until")
    product_lines = forms.ModelMultipleChoiceField(
        queryset=ProductLine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Product lines",
    )
    copy = JsonText(
        empty=dict,
        label="Copy by language",
        help_text='An object by language code, e.g. {"en": "Book your assessment", "de": "..."}.',
    )
    roi_inputs = JsonText(
        empty=list,
        label="ROI inputs",
        help_text=(
            "ROI calculators only: a list of inputs, e.g. "
            '[{"key": "hours", "label": "Hours saved", "unit": "h", "default": 40}].'
        ),
    )
    roi_formula = forms.CharField(
        max_length=500,
        required=False,
        label="ROI formula",
        help_text="ROI calculators only: + - * / and brackets over the input keys, "
        "e.g. hours * rate - price.",
    )

    def __init__(self, *args: Any, product_lines: QuerySet[ProductLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product_lines"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = product_lines


class CampaignForm(_ChangesForm):
    RELATED = ("offers", "partners")

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=CampaignKind.choices, label="Type")
    status = forms.ChoiceField(choices=CampaignStatus.choices, initial=CampaignStatus.DRAFT)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    starts_on = forms.DateField(widget=DATE, label="Starts on")
    ends_on = forms.DateField(widget=DATE, label="Ends on")
    budget = forms.DecimalField(max_digits=14, decimal_places=2, initial=0, label="Budget")
    target_list = forms.ModelChoiceField(
        queryset=TargetList.objects.none(), required=False, label="Target list"
    )
    offers = forms.ModelMultipleChoiceField(
        queryset=Offer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Offers",
    )
    direct = forms.BooleanField(required=False, label="Direct sales run it", initial=True)
    partner_mode = forms.ChoiceField(choices=PartnerMode.choices, label="Partners who run it")
    partner_tiers = _checkboxes(
        PartnerTier.choices, "Partner tiers", help_text="With “Partners of some tiers” only."
    )
    partners = forms.ModelMultipleChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Named partners",
        help_text="With “Named partners” only.",
    )

    def __init__(
        self,
        *args: Any,
        target_lists: QuerySet[TargetList],
        offers: QuerySet[Offer],
        partners: QuerySet[Partner],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, rows in (
            ("target_list", target_lists),
            ("offers", offers),
            ("partners", partners),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = rows


class AssetForm(forms.Form):
    kind = forms.ChoiceField(choices=AssetKind.choices, label="Kind")
    title = forms.CharField(max_length=200)
    file = forms.FileField(
        required=False, help_text="Documents: PDF or an image; images: PNG, JPEG, GIF or WebP."
    )
    language = forms.CharField(
        max_length=5, required=False, help_text="Copy blocks: en, de, de-AT…"
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text="Copy blocks: the text."
    )


class CoBrandForm(_ChangesForm):
    """A partner's co-branding. Plain text fields: the model's validators judge colours, email,
    phone and website, and the service judges the logo's bytes and size."""

    RELATED = ("logo",)

    logo = forms.FileField(
        required=False,
        help_text="PNG, JPEG, GIF or WebP, up to 10 MB. Leave empty to keep the current logo.",
    )
    primary_colour = forms.CharField(max_length=20, required=False, label="Primary colour")
    secondary_colour = forms.CharField(max_length=20, required=False, label="Secondary colour")
    contact_name = forms.CharField(max_length=200, required=False, label="Contact name")
    contact_email = forms.CharField(max_length=254, required=False, label="Contact email")
    contact_phone = forms.CharField(max_length=40, required=False, label="Contact phone")
    website = forms.CharField(max_length=300, required=False)
    service_area = forms.CharField(
        max_length=1000,
        required=False,
        label="Area you serve",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    legal_line = forms.CharField(
        max_length=500,
        required=False,
        label="Legal line",
        help_text="Your company name and registration, printed at the foot of pages and PDFs.",
    )

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "logo"}


# The profile's fields the form shows with their saved values (the logo is shown as an image).
PROFILE_INITIAL = tuple(name for name in CoBrandForm.base_fields if name != "logo")


def place_errors(form: forms.Form, error: ValidationError) -> list[str]:
    """A service's messages next to the fields they name; the others returned, to show above
    the form (each with the name of what it is about)."""
    if not hasattr(error, "error_dict"):
        return list(error.messages)
    rest = []
    for name, texts in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, texts)
        elif name == "__all__":
            rest += texts
        else:
            rest.append(f"{name.replace('_', ' ').capitalize()}: {' '.join(texts)}")
    return rest
