"""Deal registration's console forms: the conflict-rate report's query, and the tenant's settings
as a person types them (reasons and splits one per line, reminders separated by commas, approval
steps as rows of a table). They turn text into the settings' shape and check the shape only;
ranges and every rule about the values are `DealRegSettings.clean()` and the field validators,
run by `dealreg.services.settings.save_settings`."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms

from dealreg.choices import ApproverRole, StepCondition
from dealreg.models import DealRegSettings
from dealreg.services.reports import Breakdown

__all__ = [
    "ConflictRateForm",
    "SettingsForm",
    "StepForm",
    "StepFormSet",
    "step_initial",
    "steps_from",
]


class ConflictRateForm(forms.Form):
    """The report's query string; a missing value takes the default (the last four quarters,
    broken down by partner)."""

    by = forms.ChoiceField(choices=Breakdown.choices, required=False, label="Break down by")
    start = forms.DateField(required=False, label="Submitted from")
    end = forms.DateField(required=False, label="Submitted until")


def _help(name: str) -> str:
    return str(getattr(DealRegSettings._meta.get_field(name), "help_text", ""))


SPLIT = re.compile(r"^\s*(\d{1,3})\s*[/:]\s*(\d{1,3})\s*$")


class SettingsForm(forms.Form):
    rejection_reasons = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label="Rejection reasons",
        help_text="One per line: the reviewer picks one when rejecting.",
    )
    split_options = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Credit splits",
        help_text='One per line, sourcing/fulfilling, e.g. "70/30": what an adjudication may '
        "split the credit by.",
    )
    review_hours = forms.IntegerField(label="First review within (business hours)")
    answer_days = forms.IntegerField(label="Answer to a return within (days)")
    idle_days = forms.IntegerField(label="Idle window (days)")
    touch_window_days = forms.IntegerField(label="Touch window (days)")
    resubmission_cap = forms.IntegerField(label="Resubmissions after returns (at most)")
    reminder_days = forms.CharField(
        required=False,
        label="Reminders (days before protection ends)",
        help_text="Whole days separated by commas, e.g. 14, 3.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("review_hours", "answer_days", "idle_days", "touch_window_days"):
            self.fields[name].help_text = _help(name)

    @staticmethod
    def initial_from(row: DealRegSettings) -> dict[str, Any]:
        def lines(values: Any) -> str:
            return "\n".join(str(v) for v in values) if isinstance(values, list) else ""

        splits = row.split_options if isinstance(row.split_options, list) else []
        return {
            "rejection_reasons": lines(row.rejection_reasons),
            "split_options": "\n".join("/".join(str(p) for p in s) for s in splits),
            "review_hours": row.review_hours,
            "answer_days": row.answer_days,
            "idle_days": row.idle_days,
            "touch_window_days": row.touch_window_days,
            "resubmission_cap": row.resubmission_cap,
            "reminder_days": ", ".join(str(d) for d in row.reminder_days or []),
        }

    def clean_rejection_reasons(self) -> list[str]:
        text = self.cleaned_data["rejection_reasons"]
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean_split_options(self) -> list[list[int]]:
        splits, wrong = [], []
        lines = [line for line in self.cleaned_data["split_options"].splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            match = SPLIT.match(line)
            if match is None:
                wrong.append(f"line {number} ({line.strip()[:20]})")
            else:
                splits.append([int(match[1]), int(match[2])])
        if wrong:
            raise forms.ValidationError(
                f'Write each split as two whole numbers, e.g. "70/30": {", ".join(wrong)}.'
            )
        return splits

    def clean_reminder_days(self) -> list[int]:
        parts = [p.strip() for p in re.split(r"[,\s]+", self.cleaned_data["reminder_days"])]
        parts = [p for p in parts if p]
        if not all(p.isdigit() and len(p) <= 4 for p in parts):
            raise forms.ValidationError("Whole days separated by commas, e.g. 14, 3.")
        return [int(p) for p in parts]


def _blank_choice(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "—"), *choices]


class StepForm(forms.Form):
    """One approval step; the row left empty (the "add a step" row) is no step."""

    name = forms.CharField(required=False, label="Name")
    condition = forms.ChoiceField(
        choices=_blank_choice(StepCondition.choices), required=False, label="When"
    )
    threshold = forms.DecimalField(
        required=False, max_digits=16, decimal_places=2, label="Amount above"
    )
    role = forms.ChoiceField(
        choices=_blank_choice(ApproverRole.choices), required=False, label="Approver"
    )
    hours = forms.IntegerField(required=False, label="Hours")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The table's cells have no <label>: each input names its column and its row.
        row = (self.prefix or "").rsplit("-", 1)[-1]
        which = f"step {int(row) + 1}" if row.isdigit() else "new step"
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{field.label}, {which}"

    def step(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        given = [data.get(k) for k in ("name", "condition", "threshold", "role", "hours")]
        if all(value in (None, "") for value in given):
            return None
        step: dict[str, Any] = {
            "name": (data.get("name") or "").strip(),
            "condition": data.get("condition") or "",
            "role": data.get("role") or "",
            "hours": data.get("hours"),
        }
        threshold: Decimal | None = data.get("threshold")
        if threshold is not None:  # stored as text, like the defaults ("250000")
            whole = threshold == threshold.to_integral_value()
            step["threshold"] = str(int(threshold)) if whole else str(threshold)
        elif step["condition"] == StepCondition.AMOUNT_ABOVE:
            step["threshold"] = None
        return step


class _Steps(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Remove step {(index or 0) + 1}"


StepFormSet = forms.formset_factory(
    StepForm, formset=_Steps, extra=1, can_delete=True, max_num=20, absolute_max=20
)


def steps_from(formset: Any) -> list[dict[str, Any]]:
    """The steps of a valid formset, in the order of its rows, leaving out removed and empty rows."""
    steps = []
    for form in formset.forms:
        if form.cleaned_data.get("DELETE"):
            continue
        step = form.step()
        if step is not None:
            steps.append(step)
    return steps


def step_initial(steps: Any) -> list[dict[str, Any]]:
    """The saved steps as the table's rows."""
    if not isinstance(steps, list):
        return []
    return [
        {
            "name": s.get("name", ""),
            "condition": s.get("condition", ""),
            "threshold": s.get("threshold"),
            "role": s.get("role", ""),
            "hours": s.get("hours"),
        }
        for s in steps
        if isinstance(s, dict)
    ]
