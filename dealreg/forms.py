"""Deal registration's page forms: the reviewer's decision and the registrant's reasons. They
check shape and length only; the rules (allowed transitions, the tenant's rejection reasons, the
fields a return may open) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms

from dealreg.services.registrations import REGISTRANT_FIELDS

__all__ = ["DecisionForm", "ReasonForm"]


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
