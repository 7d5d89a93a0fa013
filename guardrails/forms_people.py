"""Forms of the people-facing guardrails pages: territories and their areas, partner
authorizations (console), exception requests (sales and portal) and their review (console).

Forms check the shape of the input; the rules themselves live in the services
(`guardrails.services.territories`, `guardrails.services.exception_requests`), whose
ValidationErrors are put back on the form with `attach_errors`.
Choices come from `visible_to(membership)`, inside the request's tenant scope.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import Account, ProductLine
from core.requirements import DeclaredRequirementsMixin
from core.validators import MAX_ID
from guardrails.choices import ExceptionKind, ExceptionStatus
from guardrails.models import Territory
from guardrails.services.exception_requests import (
    COMMENT_MAX,
    DENIAL_REQUIRES,
    DISCOUNT_REQUIRES,
    JUSTIFICATION_MAX,
)
from guardrails.services.territories import AREA_FIELDS, MAX_AREAS, validate_area
from pipeline.models import Opportunity
from tenancy.models import Membership, Partner

__all__ = [
    "AreaFormSet",
    "AuthorizationFilterForm",
    "AuthorizationForm",
    "ExceptionFilterForm",
    "ExceptionRequestForm",
    "ReviewForm",
    "TerritoryForm",
    "attach_errors",
]

WIDE = (
    "display:block;width:100%;box-sizing:border-box;margin-bottom:.8rem;font:inherit;"
    "padding:.45rem .6rem;border:1px solid var(--line);border-radius:.3rem"
)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_choice(form: forms.Form, name: str) -> forms.ModelChoiceField:
    """A choice of rows, narrowed to what the viewer may see."""
    return cast(forms.ModelChoiceField, form.fields[name])


def attach_errors(form: forms.Form, error: ValidationError) -> list[str]:
    """Put a service's ValidationError on the form: messages of the form's fields on the field,
    the others as form errors. Returns messages of keys the form has no field for (e.g. "areas")
    so the page can show them where they belong."""
    leftover: list[str] = []
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return leftover
    for name, messages in error.message_dict.items():
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
        elif name == "__all__":
            form.add_error(None, messages)
        else:
            leftover.extend(messages)
    return leftover


# --- territories -------------------------------------------------------------------------------


class TerritoryForm(forms.Form):
    code = forms.CharField(
        max_length=50, help_text="Used by rules and the API: letters, digits, hyphens."
    )
    name = forms.CharField(max_length=200)
    description = forms.CharField(max_length=300, required=False)


class AreaForm(forms.Form):
    """One area row; a row left blank is ignored."""

    country = forms.CharField(max_length=10, required=False, help_text="ISO code, e.g. DE")
    region = forms.CharField(max_length=10, required=False, help_text="ISO 3166-2, e.g. DE-BY")
    postal_from = forms.CharField(max_length=30, required=False, label="Postal code from")
    postal_to = forms.CharField(max_length=30, required=False, label="Postal code to")

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if self.errors or not any(data.get(name) for name in AREA_FIELDS):
            return data
        try:
            return {**data, **validate_area(**{name: data.get(name, "") for name in AREA_FIELDS})}
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(name, message)
        return data

    @property
    def area(self) -> dict | None:
        """The row's normalised area, or None for a blank or deleted row."""
        data = getattr(self, "cleaned_data", None) or {}
        if data.get("DELETE") or not any(data.get(name) for name in AREA_FIELDS):
            return None
        return {name: data.get(name, "") for name in AREA_FIELDS}


AreaFormSet = forms.formset_factory(
    AreaForm, extra=3, can_delete=True, max_num=MAX_AREAS, validate_max=True
)


# --- partner authorizations --------------------------------------------------------------------


class AuthorizationForm(forms.Form):
    partner: forms.ModelChoiceField[Partner] = forms.ModelChoiceField(
        queryset=Partner.objects.none()
    )
    territory: forms.ModelChoiceField[Territory] = forms.ModelChoiceField(
        queryset=Territory.objects.none()
    )
    product_line = forms.ModelChoiceField(
        queryset=ProductLine.objects.none(),
        required=False,
        empty_label="Every product line",
        help_text="Empty: every product line.",
    )
    valid_from = forms.DateField(widget=DATE, label="Valid from")
    valid_until = forms.DateField(
        widget=DATE, required=False, label="Valid until", help_text="Empty: open-ended."
    )

    def __init__(
        self, *args: Any, membership: Membership, current: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        partners = Partner.objects.visible_to(membership).order_by("name")
        territories = Territory.objects.visible_to(membership).order_by("name")
        # An edited authorization keeps showing its (now archived or inactive) choices.
        keep_partner = Q(pk=current.partner_id) if current else Q(pk__in=[])
        keep_territory = Q(pk=current.territory_id) if current else Q(pk__in=[])
        model_choice(self, "partner").queryset = partners.filter(Q(status="active") | keep_partner)
        model_choice(self, "territory").queryset = territories.filter(
            Q(archived_at__isnull=True) | keep_territory
        )
        model_choice(self, "product_line").queryset = ProductLine.objects.visible_to(
            membership
        ).order_by("name")


class AuthorizationFilterForm(forms.Form):
    partner: forms.ModelChoiceField[Partner] = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False
    )
    territory: forms.ModelChoiceField[Territory] = forms.ModelChoiceField(
        queryset=Territory.objects.none(), required=False
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "partner").queryset = Partner.objects.visible_to(membership).order_by(
            "name"
        )
        model_choice(self, "territory").queryset = Territory.objects.visible_to(
            membership
        ).order_by("name")


# --- exceptions ----------------------------------------------------------------------------------


class ExceptionRequestForm(DeclaredRequirementsMixin, forms.Form):
    # What a discount needs: the service checks it (routing every message to its field at once);
    # the form marks the fields from the same declaration.
    requirements = DISCOUNT_REQUIRES
    check_requirements = False

    kind = forms.ChoiceField(
        choices=ExceptionKind.choices,
        widget=forms.RadioSelect(attrs={"style": "width:auto;margin:0"}),
        label="What do you need?",
    )
    account = forms.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        label="Account number",
        help_text="The number in the account page's address.",
    )
    opportunity = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label="Opportunity"
    )
    product_line = forms.ModelChoiceField(
        queryset=ProductLine.objects.none(), required=False, label="Product line"
    )
    requested_discount = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        label="Discount you need (%)",
    )
    ends_on = forms.DateField(widget=DATE, label="Until", help_text="At most a year from today.")
    # How long it may be is the service's rule; the browser is told too.
    justification = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "style": WIDE, "maxlength": JUSTIFICATION_MAX}),
        label="Why is it needed?",
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.membership = membership
        model_choice(self, "product_line").queryset = ProductLine.objects.visible_to(
            membership
        ).order_by("name")
        self.shown_account = self._visible_account()
        choices: list[tuple[Any, str]] = [("", "None (the whole account)")]
        if self.shown_account is not None:
            opportunities = (
                Opportunity.objects.visible_to(membership)
                .filter(account=self.shown_account)
                .order_by("-opened_on", "-pk")[:200]
            )
            choices += [(o.pk, f"{o.name} ({o.currency} {o.amount:,.0f})") for o in opportunities]
        cast(forms.TypedChoiceField, self.fields["opportunity"]).choices = choices

    def _visible_account(self) -> Account | None:
        """The named account when the viewer may see it (its name is shown); else None."""
        raw = self.data.get("account") if self.is_bound else self.initial.get("account")
        text = str(raw or "").strip()
        if not text.isdigit() or len(text) > 18:
            return None
        return Account.objects.visible_to(self.membership).filter(pk=int(text)).first()


class ReviewForm(DeclaredRequirementsMixin, forms.Form):
    requirements = DENIAL_REQUIRES  # checked by the service, marked from the same declaration
    check_requirements = False

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")])
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "style": WIDE, "maxlength": COMMENT_MAX}),
        required=False,
        help_text="The requester reads it.",
    )


class ExceptionFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *ExceptionStatus.choices], required=False
    )
    kind = forms.ChoiceField(choices=[("", "Any kind"), *ExceptionKind.choices], required=False)
    account = forms.IntegerField(min_value=1, max_value=MAX_ID, required=False)
