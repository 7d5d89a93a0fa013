"""Deal registration's settings page in the console: every field of the tenant's
`DealRegSettings` (rejection reasons, credit splits, approval steps, the clocks, the idle and
touch windows, the resubmission cap, reminders), saved through
`dealreg.services.settings.save_settings`, which checks the whole row with the model's rules.
A refusal names the field next to it and saves nothing (400). RevOps admins edit; anyone else
reads (the service refuses their save: 403). The written tie-breaks are shown from
`dealreg.services.conflicts.TIE_BREAKS`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from dealreg.forms_console import SettingsForm, StepFormSet, step_initial, steps_from
from dealreg.services.conflicts import TIE_BREAKS
from dealreg.services.settings import save_settings
from dealreg.services.state import settings_for
from tenancy.choices import Role
from tenancy.requests import DoorRequest

__all__ = ["dealreg_settings"]

STEPS_PREFIX = "steps"


def dealreg_settings(request: DoorRequest) -> HttpResponse:
    row = settings_for(request.tenant)
    can_edit = request.membership.role == Role.REVOPS_ADMIN
    steps_error: list[str] = []
    status = 200
    if request.method == "POST":
        form = SettingsForm(request.POST)
        steps = StepFormSet(request.POST, prefix=STEPS_PREFIX)
        shape_ok = all([form.is_valid(), steps.is_valid()])  # both, for every error at once
        if shape_ok:
            data = {**form.cleaned_data, "approval_steps": steps_from(steps)}
            try:
                save_settings(request.tenant, data, acting=request.membership)
            except PermissionDenied as refusal:
                messages.error(request, f"Nothing was saved: {refusal}")
                status = 403
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    if name == "approval_steps":
                        steps_error.extend(problems)
                    else:
                        form.add_error(name if name in form.fields else None, problems)
                status = 400
            else:
                messages.success(
                    request, "Deal registration settings saved. They apply from now on."
                )
                return redirect("console:dealreg-settings", request.tenant.slug)
        else:
            status = 400
    else:
        form = SettingsForm(initial=SettingsForm.initial_from(row))
        steps = StepFormSet(initial=step_initial(row.approval_steps), prefix=STEPS_PREFIX)
    if not can_edit:
        for shown in (form, *steps.forms):
            for field in shown.fields.values():
                field.disabled = True
    context: dict[str, Any] = {
        "form": form,
        "steps": steps,
        "steps_error": steps_error + list(steps.non_form_errors()),
        "invalid": status == 400,
        "can_edit": can_edit,
        "settings_row": row,
        "tie_breaks": TIE_BREAKS,
    }
    return render(request, "dealreg/settings.html", context, status=status)
