"""Forms of the lead-ops pages: the inbox's decline and touch forms, the partner's lead submission,
the console's queue filters and reassignment, notification preferences, and the lead-ops
settings (SLA policies, business calendar, assignees, enrichment provider, web-to-lead forms).

Forms check the shape of the input and name the field that is wrong. Rules about one row live on
the model (the settings forms are ModelForms, so they run the same validators and `clean()` as
the API); rules across rows live in routing.services and friends, whose ValidationErrors are put
back with `attach_errors`. Choices come from `visible_to(membership)`, inside the request's tenant
scope.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from accounts.choices import EmployeeBand, ServiceNeed
from accounts.models import ProductLine
from core.net import UnsafeURL, check_url
from core.requirements import DeclaredRequirementsMixin
from guardrails.forms_people import attach_errors
from pipeline.choices import Channel, LeadSource, LeadStatus, Priority
from pipeline.models import LEAD_REACHABLE
from routing.choices import DigestMode
from routing.models import LEAD_FORM_SETTINGS, SLA_CLOCKS, Assignee, LeadForm, SlaPolicy
from routing.sla import DEFAULT_POLICIES
from routing.validators import clean_origins
from tenancy.choices import PartnerStatus, Role
from tenancy.models import Membership, Partner, Team, Tenant

__all__ = [
    "AssigneeForm",
    "CalendarForm",
    "EnrichmentForm",
    "LeadFormForm",
    "PreferenceForm",
    "PublicLeadForm",
    "QueueFilterForm",
    "ReassignForm",
    "RejectForm",
    "SlaPolicyForm",
    "SubmitLeadForm",
    "TouchForm",
    "attach_errors",
    "sla_policy_forms",
]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TOUCH_CHANNELS = [
    (c.value, c.label)
    for c in (Channel.CALL, Channel.EMAIL, Channel.MEETING, Channel.EVENT, Channel.OTHER)
]
WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
MAX_HOLIDAYS = 366


def _model_choice(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """A model choice field of `form`, to narrow its choices to what the viewer may see."""
    return cast(forms.ModelChoiceField, form.fields[name])


# --- the inbox --------------------------------------------------------------------------------


class RejectForm(forms.Form):
    # An empty reason is refused by routing.services.reject_lead, as in the API.
    reason = forms.CharField(max_length=500, required=False, label="Why do you decline it?")


class TouchForm(forms.Form):
    channel = forms.ChoiceField(choices=TOUCH_CHANNELS)
    subject = forms.CharField(max_length=300, required=False, label="What was it about?")
    occurred_at = forms.DateTimeField(
        required=False,
        widget=DATETIME,
        label="When",
        help_text="Empty: now.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Give the time as YYYY-MM-DD HH:MM."},
    )


# --- the partner's lead submission -------------------------------------------------------------


class SubmitLeadForm(DeclaredRequirementsMixin, forms.Form):
    """A lead a partner found. What a lead must have (a way to get back to the person: an email, a
    phone number, or a name and a company) is the declared rule `pipeline.models.LEAD_REACHABLE`,
    which `Lead.clean` runs for every intake (the API, imports, the public form): the form checks
    the same rule and marks its fields from it, so no label calls a field optional that the rule
    wants. Every other field may be left empty."""

    requirements = (LEAD_REACHABLE,)

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    title = forms.CharField(max_length=150, required=False, label="Job title")
    company = forms.CharField(max_length=200, required=False)
    website = forms.CharField(max_length=253, required=False)
    street = forms.CharField(max_length=200, required=False)
    city = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    region = forms.CharField(max_length=100, required=False)
    country = forms.CharField(max_length=100, required=False)
    product_interest = forms.MultipleChoiceField(
        choices=(), required=False, widget=forms.CheckboxSelectMultiple, label="Interested in"
    )
    service_needs = forms.MultipleChoiceField(
        choices=ServiceNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Service needs",
    )
    employee_band = forms.ChoiceField(
        choices=[("", "Unknown"), *EmployeeBand.choices], required=False, label="Employees"
    )
    estimated_amount = forms.DecimalField(
        required=False, min_value=0, max_digits=16, decimal_places=2, label="Estimated amount"
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        label="What do they need?",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product_interest"]).choices = list(
            ProductLine.objects.order_by("name").values_list("code", "name")
        )

    def lead_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["product_interest"] = list(data.get("product_interest") or [])
        data["service_needs"] = list(data.get("service_needs") or [])
        return {k: v for k, v in data.items() if v not in ("", None, [])}


class PublicLeadForm(DeclaredRequirementsMixin, forms.Form):
    """The public web-to-lead form's fields (routing.public lays them out and posts them in the
    API's shape): its labels, and the lead's reachability rule over its one name field."""

    requirements = (LEAD_REACHABLE.renamed({"first_name": "name", "last_name": "name"}),)

    name = forms.CharField(max_length=200, required=False, label="Your name")
    email = forms.CharField(max_length=254, required=False, label="Email")
    phone = forms.CharField(max_length=40, required=False, label="Phone")
    company = forms.CharField(max_length=200, required=False, label="Company")
    country = forms.CharField(max_length=100, required=False, label="Country")
    postal_code = forms.CharField(max_length=20, required=False, label="Postal code")
    message = forms.CharField(max_length=5000, required=False, label="How can we help?")


# --- the console's queue ----------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    q = forms.CharField(max_length=100, required=False, label="Search")
    status = forms.ChoiceField(choices=[("", "Any status"), *LeadStatus.choices], required=False)
    route = forms.ChoiceField(
        choices=[("", "Any route"), ("direct", "Direct"), ("partner", "Partner"), ("none", "None")],
        required=False,
    )
    partner: forms.ModelChoiceField[Partner] = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, empty_label="Any partner"
    )
    team: forms.ModelChoiceField[Team] = forms.ModelChoiceField(
        queryset=Team.objects.none(), required=False, empty_label="Any team"
    )
    source = forms.ChoiceField(choices=[("", "Any source"), *LeadSource.choices], required=False)
    created_from = forms.DateField(required=False, widget=DATE, label="Created from")
    created_to = forms.DateField(required=False, widget=DATE, label="Created until")

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "partner").queryset = Partner.objects.visible_to(membership)
        _model_choice(self, "team").queryset = Team.objects.visible_to(membership)
        for name in ("partner", "team"):
            self.fields[name].error_messages["invalid_choice"] = f"No such {name}."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", "The end of the range is before its start.")
        return data


class RepChoiceField(forms.ModelChoiceField):
    """A direct rep, shown with their team."""

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.email} · {obj.team.name if obj.team else ''}"


class ReassignForm(forms.Form):
    """Hand a lead to one partner or one direct rep (routing.services.reassign_lead decides)."""

    partner: forms.ModelChoiceField[Partner] = forms.ModelChoiceField(
        queryset=Partner.objects.none(), required=False, empty_label="—"
    )
    rep: forms.ModelChoiceField[Membership] = RepChoiceField(
        queryset=Membership.objects.none(), required=False, empty_label="—", label="Direct rep"
    )

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _model_choice(self, "partner").queryset = Partner.objects.visible_to(membership).filter(
            status=PartnerStatus.ACTIVE
        )
        _model_choice(self, "rep").queryset = (
            Membership.objects.visible_to(membership)
            .filter(role__in=sorted(Role.direct_roles()), is_active=True)
            .select_related("user", "team")
            .order_by("team__name", "user__email")
        )
        self.fields["partner"].error_messages["invalid_choice"] = "No such partner."
        self.fields["rep"].error_messages["invalid_choice"] = "No such rep."


# --- notifications ----------------------------------------------------------------------------


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(
        choices=DigestMode.choices, widget=forms.RadioSelect, label="Email me"
    )


# --- lead-ops settings ------------------------------------------------------------------------


class SlaPolicyForm(forms.ModelForm):
    """One route and priority. Shown with the default until the tenant saves its own. The caps
    and the order of the clocks are the model's rules (routing.models.SlaPolicy)."""

    class Meta:
        model = SlaPolicy
        fields = SLA_CLOCKS
        labels = {
            "accept_minutes": "To accept",
            "first_touch_minutes": "To first touch",
            "remind_before_minutes": "Remind before",
            "recall_after_minutes": "Recall after breach",
            "max_recalls": "Recalls at most",
        }

    def __init__(self, *args: Any, saved: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.route, self.priority, self.saved = self.instance.route, self.instance.priority, saved

    @property
    def title(self) -> str:
        return f"{self.route.capitalize()} · {Priority(self.priority).label.lower()} priority"


def sla_policy_forms(
    data: Any, saved: dict[tuple[str, str], SlaPolicy], *, tenant: Tenant
) -> list[SlaPolicyForm]:
    """A form per route and priority, filled with the saved policy or the default."""
    forms_ = []
    for (route, priority), default in DEFAULT_POLICIES.items():
        row = saved.get((route, priority))
        if row is None:
            row = SlaPolicy(tenant=tenant, route=route, priority=priority, **asdict(default))
        forms_.append(
            SlaPolicyForm(
                data, prefix=f"{route}-{priority}", instance=row, saved=not row._state.adding
            )
        )
    return forms_


class CalendarForm(forms.Form):
    working_days = forms.TypedMultipleChoiceField(
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one working day."},
    )
    day_starts = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    day_ends = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    holidays = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="One date a line, as YYYY-MM-DD.",
    )

    def clean_holidays(self) -> list[str]:
        days: list[str] = []
        for number, line in enumerate(self.cleaned_data.get("holidays", "").splitlines(), 1):
            text = line.strip()
            if not text:
                continue
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise ValidationError(
                    f"Line {number}: “{text[:40]}” is not a date; write it as YYYY-MM-DD."
                ) from None
            days.append(day.isoformat())
        if len(days) > MAX_HOLIDAYS:
            raise ValidationError(f"At most {MAX_HOLIDAYS} holidays.")
        return sorted(set(days))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("day_starts"), data.get("day_ends")
        if starts and ends and ends <= starts:
            self.add_error("day_ends", "The working day must end after it starts.")
        return data


class AssigneeForm(forms.ModelForm):
    """Lead settings of one rep or partner; the rules are the model's (routing.models.Assignee)."""

    class Meta:
        model = Assignee
        fields = ["accepts_leads", "weight", "capacity", "away_from", "away_until"]
        labels = {"accepts_leads": "Takes new leads", "away_from": "Away from"}
        help_texts = {
            "weight": "Share of the round robin against the others (1–100).",
            "away_until": "Empty: until further notice.",
        }
        widgets = {"away_from": DATE, "away_until": DATE}


class EnrichmentForm(forms.Form):
    is_active = forms.BooleanField(required=False, label="Ask this service for every new lead")
    url = forms.CharField(
        max_length=200,
        label="URL",
        help_text="Called with ?domain=…&company=…&country=… and must answer with JSON.",
    )
    api_key = forms.CharField(
        max_length=200,
        required=False,
        label="API key",
        widget=forms.PasswordInput(render_value=False),
        help_text="Sent as a bearer token. Empty: keep the current key.",
    )
    clear_key = forms.BooleanField(required=False, label="Remove the key")
    timeout_seconds = forms.FloatField(
        min_value=0.1, max_value=30, label="Timeout (seconds)", initial=2.0
    )

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        try:
            check_url(url)
        except UnsafeURL as exc:
            raise ValidationError(str(exc)) from None
        return url


class LeadFormForm(forms.ModelForm):
    """A web-to-lead form; which sites may embed it is the model's rule (routing.validators)."""

    partner: forms.ModelChoiceField[Partner] = forms.ModelChoiceField(
        queryset=Partner.objects.none(),
        required=False,
        empty_label="None: the manufacturer's own form",
        label="Co-branded for partner",
        help_text="Its leads count as submitted by that partner.",
    )
    allowed_origins = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Sites that may embed it",
        help_text="One a line, such as https://www.example.com. Empty: no site may embed it.",
    )

    class Meta:
        model = LeadForm
        fields = LEAD_FORM_SETTINGS
        labels = {
            "source_detail": "Source detail",
            "thank_you": "Thank-you text",
            "is_active": "Accepts submissions",
        }
        help_texts = {
            "source_detail": "Stored on each lead, e.g. the campaign or page the form sits on.",
        }

    def __init__(self, *args: Any, membership: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["allowed_origins"] = "\n".join(self.instance.allowed_origins or [])
        _model_choice(self, "partner").queryset = Partner.objects.visible_to(membership)
        self.fields["partner"].error_messages["invalid_choice"] = "No such partner."

    def clean_allowed_origins(self) -> list[str]:
        lines = self.cleaned_data.get("allowed_origins", "").splitlines()
        return clean_origins([line.strip() for line in lines if line.strip()])
