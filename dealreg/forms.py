"""Deal registration's page forms: the registrant's registration (with its lines), the reviewer's
decision and the registrant's reasons. They check shape and length (and the model's own field
rules); the rules (what may be edited when, allowed transitions, the tenant's rejection reasons,
the fields a return may open, completeness on submit) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import ProductLine
from dealreg.choices import AdjudicationDecision
from dealreg.models import DealRegistration
from dealreg.services.registrations import REGISTRANT_FIELDS
from guardrails.choices import RequiredField
from routing.normalize import normalize_country

__all__ = [
    "AdjudicationForm",
    "DecisionForm",
    "LineForm",
    "LineFormSet",
    "ReasonForm",
    "RegistrationForm",
    "lines_of",
]

FORM_LEAVES_OUT = ("end_customer", "purchasing_customer", "design_customer", "lines")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_LINES = 50
# The form fields each of the rulebook's required items is satisfied by.
RULEBOOK_FIELDS = {
    RequiredField.CONTACT: ("contact_name", "contact_email"),
    RequiredField.EXPECTED_CLOSE: ("expected_close_on",),
    RequiredField.COMPETITOR: ("competitor",),
    RequiredField.BUDGET: ("budget_confirmed",),
    RequiredField.DESCRIPTION: ("notes",),
}
# Fields the live check reads (the conflict engine, the matcher and the corridors).
CHECKED = ("end_customer_name", "end_customer_country", "end_customer_website", "estimated_amount")


class RegistrationForm(forms.ModelForm):
    """What the registrant fills in. On a registration returned for information, only the
    fields the reviewer listed are open (the service refuses any other change too)."""

    end_customer_country = forms.CharField(
        max_length=100, required=False, label="Country", help_text="Name or ISO code, e.g. AT."
    )
    estimated_amount = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=16,
        decimal_places=2,
        help_text="Leave empty to use the total of the lines.",
    )

    class Meta:
        model = DealRegistration
        # What the registrant fills in (the service's list), less the accounts picked by id
        # (the API's) and the lines (a formset of their own).
        fields = [f for f in REGISTRANT_FIELDS if f not in FORM_LEAVES_OUT]
        labels = {
            "title": "What the deal is",
            "end_customer_name": "End customer",
            "end_customer_website": "Website",
            "purchasing_customer_name": "Purchasing customer",
            "design_customer_name": "Design customer",
            "contact_name": "Contact at the customer",
            "contact_email": "Contact's email",
            "expected_close_on": "Expected close",
            "how_found": "How you found the deal",
            "budget_confirmed": "The customer has confirmed a budget",
            "notes": "Project description",
        }
        help_texts = {
            "title": "",
            "end_customer_name": "Where the equipment runs, e.g. “ACME GmbH, Wien”; matched to "
            "existing customers.",
            "purchasing_customer_name": "Who pays, when not the end customer (an EPC contractor, "
            "a dealer's customer).",
            "design_customer_name": "The engineering firm that specifies it, if any.",
        }
        widgets = {
            "expected_close_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 4}),
            "contact_email": forms.EmailInput(),
        }

    def __init__(
        self,
        *args: Any,
        required_by_rules: list[str] | tuple[str, ...] = (),
        editable: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = True
        self.fields["end_customer_name"].required = editable is None
        for name in CHECKED:
            self.fields[name].widget.attrs["data-check"] = ""
        for item in required_by_rules:
            for name in RULEBOOK_FIELDS.get(item, ()):  # type: ignore[call-overload]
                self.fields[name].requirement = "Asked for by the registration rules."  # type: ignore[attr-defined]
        if editable is not None:
            for name, field in self.fields.items():
                field.disabled = name not in editable
                field.required = field.required and not field.disabled

    def clean_end_customer_country(self) -> str:
        typed = (self.cleaned_data.get("end_customer_country") or "").strip()
        code = normalize_country(typed)[:2] if typed else ""
        if typed and len(code) != 2:
            raise forms.ValidationError(f"“{typed}” is not a country we know; give its ISO code.")
        return code.upper()

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def changes(self) -> dict[str, Any]:
        """The open fields as typed (the service decides what may change)."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if not self.fields[name].disabled
        }


class LineForm(forms.Form):
    product_line = forms.ModelChoiceField(queryset=ProductLine.objects.none(), label="Product line")
    quantity = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=2, initial=1, required=False
    )
    amount = forms.DecimalField(
        min_value=0, max_digits=16, decimal_places=2, required=False, label="Amount"
    )
    requested_discount = forms.DecimalField(
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
        label="Discount %",
    )
    exception_justification = forms.CharField(
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why a discount outside the corridor",
        help_text="Only when the discount is outside its corridor: your exception request.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A line left as it was offered (blank) is no line; a line typed in names its product.
        self.empty_permitted = True
        self.use_required_attribute = False
        product_line = self.fields["product_line"]
        assert isinstance(product_line, forms.ModelChoiceField)
        product_line.queryset = ProductLine.objects.order_by("name")
        for name in ("product_line", "requested_discount"):
            self.fields[name].widget.attrs["data-check"] = ""


class _LineFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for index, form in enumerate(self.forms):
            product_line = form.cleaned_data.get("product_line")
            if product_line is None:
                continue
            if product_line.pk in seen:
                raise forms.ValidationError(
                    f"Line {index + 1}: {product_line.name} is already on an earlier line; "
                    "each product line once."
                )
            seen.add(product_line.pk)


LineFormSet = forms.formset_factory(
    LineForm, formset=_LineFormSet, extra=0, max_num=MAX_LINES, validate_max=True
)


def lines_of(formset: Any) -> list[dict[str, Any]]:
    """The filled lines of a valid line formset, as the services take them."""
    lines = []
    for form in formset.forms:
        data = form.cleaned_data
        if data.get("product_line") is None:
            continue
        lines.append(
            {
                "product_line": data["product_line"],
                "quantity": data.get("quantity") if data.get("quantity") is not None else 1,
                "amount": data.get("amount") or 0,
                "requested_discount": data.get("requested_discount") or 0,
                "exception_justification": (data.get("exception_justification") or "").strip(),
            }
        )
    return lines


class DecisionForm(forms.Form):
    """Approve, reject (a reason from the tenant's list and text), return for information, or
    decide a waiting extension request."""

    decision = forms.ChoiceField(
        choices=[
            ("approve", "Approve"),
            ("reject", "Reject"),
            ("return", "Return"),
            ("approve_extension", "Approve the extension"),
            ("deny_extension", "Deny the extension"),
        ]
    )
    reason = forms.ChoiceField(required=False, label="Rejection reason")
    text = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Text"
    )
    ask_fields = forms.MultipleChoiceField(
        required=False,
        choices=[(name, name.replace("_", " ")) for name in REGISTRANT_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        label="Fields to complete",
    )

    def __init__(self, *args: Any, reasons: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reason = self.fields["reason"]
        assert isinstance(reason, forms.ChoiceField)
        reason.choices = [("", "—"), *[(r, r) for r in reasons]]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Reason"
    )


class AdjudicationForm(forms.Form):
    """Deciding one end customer's conflicting claims: award to one, split two by one of the
    tenant's splits (who gets the first share), or reject them all. `claims` are the registrations
    the page showed, so a decision is never taken on claims the admin did not see. Whether a
    winner is named, the split is the tenant's and the reason is given is the service's rule."""

    claims = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    decision = forms.ChoiceField(choices=AdjudicationDecision.choices, label="Decision")
    winner = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Award to")
    split = forms.ChoiceField(required=False, label="Split")
    first = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="First share to"
    )
    second = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Second share to"
    )
    reason = forms.CharField(
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason",
    )

    def __init__(
        self, *args: Any, claims: list[tuple[int, str]], splits: list[list[int]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("claims", "winner", "first", "second"):
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = claims if name == "claims" else [("", "—"), *claims]
        split = self.fields["split"]
        assert isinstance(split, forms.ChoiceField)
        split.choices = [(split_key(s), " / ".join(f"{p} %" for p in s)) for s in splits]
        if len(claims) >= 2:
            self.fields["first"].initial = claims[0][0]
            self.fields["second"].initial = claims[1][0]
        if splits:
            split.initial = split_key(splits[0])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == AdjudicationDecision.SPLIT:
            first, second = data.get("first"), data.get("second")
            if first is None:
                self.add_error("first", "Name the registration that gets the first share.")
            if second is None or second == first:
                self.add_error("second", "Name another registration for the second share.")
        return data

    def split_shares(self) -> list[int] | None:
        value = self.cleaned_data.get("split") or ""
        return [int(p) for p in value.split("-")] if value else None


def split_key(split: list[int]) -> str:
    return "-".join(str(p) for p in split)
