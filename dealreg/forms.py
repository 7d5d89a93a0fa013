"""Deal registration's page forms: the reviewer's decision and the registrant's reasons. They
check shape and length only; the rules (allowed transitions, the tenant's rejection reasons, the
fields a return may open) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from dealreg.choices import AdjudicationDecision
from dealreg.services.registrations import REGISTRANT_FIELDS

__all__ = ["AdjudicationForm", "DecisionForm", "ReasonForm"]


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
