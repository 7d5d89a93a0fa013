"""MDF's portal and console forms: the input's shape only.

Every rule (amounts against the balance and the request, dates, the claim window, proof types,
who may act) is the services' (`mdf/services/`); a view calls the service with the form's
`cleaned_data` and puts the service's `ValidationError` messages on the fields they name
(`campaigns.forms.place_errors`), so the pages and the API refuse the same input in the same
words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from campaigns.models import Campaign, Offer
from mdf.choices import ProofType, UnusedFunds
from mdf.models import MdfSettings
from tenancy.models import Partner, Tenant
from tenancy.quarters import Quarter, parse_quarter

__all__ = [
    "AccrualForm",
    "AllocationForm",
    "BudgetForm",
    "ClaimForm",
    "DecisionForm",
    "PaymentForm",
    "ProofForm",
    "QuarterField",
    "RequestForm",
    "SettingsForm",
    "WithdrawForm",
]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


def _money(label: str, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        **MONEY,
        **kwargs,
    )


class QuarterField(forms.CharField):
    """A fiscal quarter typed as its code ("2026-Q4", "FY2027-Q1"); cleaned to the `Quarter`."""

    def __init__(self, *, tenant: Tenant, **kwargs: Any) -> None:
        self.tenant = tenant
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.date):
            return Quarter.of(self.tenant, value).code
        if isinstance(value, Quarter):
            return value.code
        return value

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_quarter(self.tenant, text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class RequestForm(forms.Form):
    """A fund request's fields, named as the service names them."""

    activity_type = forms.ChoiceField(label="Activity type")
    title = forms.CharField(max_length=200)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        required=False,
        help_text="What you will do, for whom, and why it will bring business.",
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.none(), required=False, label="Campaign"
    )
    offer = forms.ModelChoiceField(queryset=Offer.objects.none(), required=False, label="Offer")
    starts_on = forms.DateField(widget=DATE, label="Activity starts")
    ends_on = forms.DateField(widget=DATE, label="Activity ends")
    total_cost = _money("Total cost")
    partner_share = _money("Your own share", initial=0, help_text="What you pay yourself.")
    amount_requested = _money(
        "Amount requested", help_text="At most the total cost less your own share."
    )
    expected_leads = forms.IntegerField(min_value=0, initial=0, label="Expected leads")
    expected_pipeline = _money("Expected pipeline", initial=0)

    def __init__(
        self,
        *args: Any,
        tenant: Tenant,
        settings: MdfSettings,
        campaigns: QuerySet[Campaign],
        offers: QuerySet[Offer],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity_type"].choices = [  # type: ignore[attr-defined]
            (t["code"], t["label"]) for t in settings.activity_types
        ]
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        self.fields["offer"].queryset = offers  # type: ignore[attr-defined]
        self.fields["quarter_start"] = QuarterField(
            tenant=tenant,
            required=False,
            label="Budget quarter",
            help_text="The quarter whose funds pay for it, e.g. 2026-Q4; empty: the quarter the "
            "activity starts in.",
        )

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        quarter = data.pop("quarter_start", None)
        if quarter is not None:
            data["quarter_start"] = quarter.start
        return data


class ClaimForm(forms.Form):
    actual_cost = _money("Actual cost")
    amount_claimed = _money("Amount claimed", help_text="At most the amount approved.")
    leads_delivered = forms.IntegerField(min_value=0, initial=0, label="Leads delivered")
    results = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        label="Results",
        help_text="What the activity brought: attendees, meetings, opportunities.",
    )


class ProofForm(forms.Form):
    proof_type = forms.ChoiceField(choices=ProofType.choices, label="Proof type")
    file = forms.FileField(label="File")


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=2000, required=False)


class DecisionForm(forms.Form):
    """Approve (in full, or in part with a reason), reject or return, with a reason."""

    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("reject", "Reject"), ("return", "Return")]
    )
    amount = _money("Amount to approve", required=False, help_text="Empty: the whole amount asked.")
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        label="Reason",
        help_text="Needed to reject, to return, and to approve only a part; the partner reads it.",
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(max_length=100, label="Payment reference")
    paid_on = forms.DateField(widget=DATE, label="Paid on")


class BudgetForm(forms.Form):
    amount = _money("Budget")
    notes = forms.CharField(max_length=500, required=False)


class AllocationForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), label="Partner")
    amount = _money(
        "Fixed allocation", help_text="The partner's whole fixed amount, not an addition."
    )
    reason = forms.CharField(max_length=500, required=False)

    def __init__(self, *args: Any, partners: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


class AccrualForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none(), label="Partner")
    rate = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        label="Rate (%)",
        help_text="Percent of the partner's won revenue.",
    )
    period_start = forms.DateField(widget=DATE, label="Revenue from")
    period_end = forms.DateField(widget=DATE, label="Revenue to")
    cap = _money("Cap", required=False, help_text="Empty: no cap.")

    def __init__(self, *args: Any, partners: QuerySet[Partner], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    """The tenant's MDF settings; activity types as one line each: code | label | proof, proof."""

    activity_types = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8, "class": "mono", "spellcheck": "false"}),
        label="Activity types",
        help_text="One a line: code | label | proof types, comma-separated ("
        + ", ".join(ProofType.values)
        + "). Example: event | Event | invoice, photos, attendee_list",
    )
    unused_funds = forms.ChoiceField(
        choices=UnusedFunds.choices, label="Unused funds at quarter end"
    )
    decide_request_hours = forms.IntegerField(label="Hours to decide a request", min_value=1)
    decide_claim_hours = forms.IntegerField(label="Hours to decide a claim", min_value=1)
    pay_claim_hours = forms.IntegerField(label="Hours to pay a claim", min_value=1)
    claim_window_days = forms.IntegerField(label="Days to claim after the activity", min_value=1)
    answer_days = forms.IntegerField(label="Days to answer a return", min_value=1)
    sales_see_activity = forms.BooleanField(
        required=False, label="Direct sales see partner MDF activity in their territory"
    )

    FIELDS = (
        "unused_funds",
        "decide_request_hours",
        "decide_claim_hours",
        "pay_claim_hours",
        "claim_window_days",
        "answer_days",
        "sales_see_activity",
    )

    @classmethod
    def initial_of(cls, settings: MdfSettings) -> dict[str, Any]:
        initial = {name: getattr(settings, name) for name in cls.FIELDS}
        initial["activity_types"] = "\n".join(
            f"{t.get('code', '')} | {t.get('label', '')} | {', '.join(t.get('proof', []))}"
            for t in settings.activity_types
        )
        return initial

    def clean_activity_types(self) -> list[dict[str, Any]]:
        """The lines as the model's list; what each entry must hold is the model's rule."""
        types = []
        for number, line in enumerate(self.cleaned_data["activity_types"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) not in (2, 3):
                raise ValidationError(f"Line {number}: write code | label | proof types.")
            proof = [p.strip() for p in parts[2].split(",") if p.strip()] if len(parts) == 3 else []
            types.append({"code": parts[0], "label": parts[1], "proof": proof})
        return types
