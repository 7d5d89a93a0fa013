"""Lead operations: who can take leads and how many, SLA policies and the timers they start, the
lead timeline, duplicate candidates and merges, web-to-lead forms, enrichment providers, and
in-app notifications. The lead itself is `pipeline.Lead`."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.models import TenantOwned
from core.tenancy import TenantManager, TenantQuerySet
from pipeline.choices import Priority
from routing.choices import (
    CandidateStatus,
    DigestMode,
    EventKind,
    ProviderKind,
    TimerKind,
    TimerState,
)
from routing.validators import MAX_RECALLS, sla_minutes_cap, validate_origins

__all__ = [
    "LEAD_FORM_SETTINGS",
    "SLA_CLOCKS",
    "Assignee",
    "BusinessCalendar",
    "DedupeWeights",
    "DuplicateCandidate",
    "EnrichmentProvider",
    "LeadEvent",
    "LeadForm",
    "LeadMerge",
    "Notification",
    "NotificationPreference",
    "RoundRobinPool",
    "SlaPolicy",
    "SlaTimer",
]


def _weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


def _opens() -> dt.time:
    return dt.time(8, 0)


def _closes() -> dt.time:
    return dt.time(18, 0)


class BusinessCalendar(TenantOwned):
    """When SLA clocks run: working days and hours in the tenant's time zone, minus holidays."""

    working_days = models.JSONField(default=_weekdays, help_text="0 = Monday … 6 = Sunday")
    day_starts = models.TimeField(default=_opens)
    day_ends = models.TimeField(default=_closes)
    holidays = models.JSONField(default=list, blank=True, help_text="ISO dates")

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant"], name="businesscalendar_one_per_tenant")
        ]

    def __str__(self) -> str:
        return f"Calendar of {self.tenant_id}"


class SlaPolicy(TenantOwned):
    """How fast a lead of a route and priority must be accepted and first touched, in business
    minutes, and what happens when it is not."""

    route = models.CharField(max_length=10, choices=[("direct", "Direct"), ("partner", "Partner")])
    priority = models.CharField(max_length=6, choices=Priority.choices)
    accept_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), sla_minutes_cap()]
    )
    first_touch_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), sla_minutes_cap()]
    )
    remind_before_minutes = models.PositiveIntegerField(default=30, validators=[sla_minutes_cap()])
    recall_after_minutes = models.PositiveIntegerField(
        default=120,
        validators=[sla_minutes_cap()],
        help_text="Grace after a breach before the lead is recalled and re-routed.",
    )
    max_recalls = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(MAX_RECALLS)]
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["route", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "route", "priority"], name="slapolicy_route_priority"
            )
        ]

    def __str__(self) -> str:
        return f"{self.route}/{self.priority}"

    def clean(self) -> None:
        accept, touch = self.accept_minutes, self.first_touch_minutes
        if accept is not None and touch is not None and touch < accept:
            raise ValidationError(
                {"first_touch_minutes": "The first touch cannot be due before acceptance."}
            )


class SlaTimerQuerySet(TenantQuerySet):
    def due(self, now: dt.datetime) -> SlaTimerQuerySet:
        return self.filter(state=TimerState.RUNNING, next_action_at__lte=now)


class SlaTimer(TenantOwned):
    """One SLA clock of one assignment of a lead. Swept by a periodic job: the row, not the
    broker, holds the time; `next_action_at` is the reminder, the breach or the recall, whichever
    comes next."""

    lead = models.ForeignKey("pipeline.Lead", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=TimerKind.choices)
    assignment = models.PositiveSmallIntegerField(help_text="The lead's routing attempt it times.")
    state = models.CharField(max_length=10, choices=TimerState.choices, default=TimerState.RUNNING)
    started_at = models.DateTimeField()
    remind_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    recall_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(SlaTimerQuerySet)()
    audit_skip = True  # its transitions are lead events

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead", "kind", "assignment"], name="slatimer_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "next_action_at"],
                condition=Q(state="running"),
                name="slatimer_due",
            ),
            # A lead's timers are found through slatimer_once, whose columns start the same way.
        ]

    def __str__(self) -> str:
        return f"{self.kind} of lead {self.lead_id} due {self.due_at:%Y-%m-%d %H:%M}"


MAX_CAPACITY = 100_000


class Assignee(TenantOwned):
    """Someone leads can be assigned to: a direct user (by membership) or a partner. Weight,
    capacity and time away shape the round robin."""

    membership = models.ForeignKey(
        "tenancy.Membership", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text="Most open leads at once; empty: no cap.",
    )
    away_from = models.DateField(null=True, blank=True)
    away_until = models.DateField(null=True, blank=True)
    accepts_leads = models.BooleanField(default=True)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "membership"],
                condition=Q(membership__isnull=False),
                name="assignee_membership_once",
            ),
            models.UniqueConstraint(
                fields=["tenant", "partner"],
                condition=Q(partner__isnull=False),
                name="assignee_partner_once",
            ),
            models.CheckConstraint(
                name="assignee_one_kind",
                condition=Q(membership__isnull=False, partner__isnull=True)
                | Q(membership__isnull=True, partner__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Assignee {self.membership_id or self.partner_id}"

    def clean(self) -> None:
        if (self.membership_id is None) == (self.partner_id is None):
            raise ValidationError("Give either a membership or a partner (not both).")
        if self.membership is not None and self.membership.is_partner_user:
            raise ValidationError(
                {"membership": "Partner users take leads through their partner; give the partner."}
            )
        if self.away_until is not None and self.away_from is None:
            raise ValidationError({"away_from": "Say from when they are away."})
        if self.away_from and self.away_until and self.away_until < self.away_from:
            raise ValidationError({"away_until": "The return is before the start of the absence."})

    def is_away(self, on: dt.date) -> bool:
        if self.away_from is None:
            return False
        return self.away_from <= on and (self.away_until is None or on <= self.away_until)


class RoundRobinPool(TenantOwned):
    """The pointer of one weighted round robin (a team, or a set of eligible partners), kept in
    the database and locked while a lead is assigned, so restarts keep the order and two workers
    never hand the same member two in a row by racing."""

    key = models.CharField(max_length=200)
    state = models.JSONField(default=dict, help_text="Smooth weighted round-robin credits.")

    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="rrpool_key")]

    def __str__(self) -> str:
        return self.key


class LeadEventQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> LeadEventQuerySet:
        from pipeline.models import Lead

        return self.filter(lead__in=Lead.objects.visible_to(membership))


class LeadEvent(TenantOwned):
    """The lead's timeline: every routing event and touch, with actor, route and time."""

    lead = models.ForeignKey("pipeline.Lead", on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    occurred_at = models.DateTimeField()
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_partner = models.ForeignKey(
        "tenancy.Partner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    route = models.CharField(max_length=10, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects: ClassVar = TenantManager.from_queryset(LeadEventQuerySet)()
    audit_skip = True  # the timeline is itself the log

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["tenant", "lead", "occurred_at"], name="leadevent_lead")]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class DuplicateCandidate(TenantOwned):
    """A pair that may be the same person: a lead and an earlier lead, or a lead and a contact.
    A pair an admin marked distinct stays here so it is never proposed again."""

    lead = models.ForeignKey("pipeline.Lead", on_delete=models.CASCADE, related_name="+")
    other_lead = models.ForeignKey(
        "pipeline.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "accounts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "lead", "other_lead"],
                condition=Q(other_lead__isnull=False),
                name="dupcandidate_lead_pair",
            ),
            models.UniqueConstraint(
                fields=["tenant", "lead", "contact"],
                condition=Q(contact__isnull=False),
                name="dupcandidate_contact_pair",
            ),
            models.CheckConstraint(
                name="dupcandidate_one_other",
                condition=Q(other_lead__isnull=False, contact__isnull=True)
                | Q(other_lead__isnull=True, contact__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["tenant", "status", "score"], name="dupcandidate_queue")]

    def __str__(self) -> str:
        return f"{self.lead_id} ~ {self.other_lead_id or self.contact_id} ({self.score:.1f})"


class LeadMerge(TenantOwned):
    """One merge of a lead into a survivor, with what is needed to undo it."""

    survivor = models.ForeignKey("pipeline.Lead", on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey("pipeline.Lead", on_delete=models.CASCADE, related_name="+")
    automatic = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    before = models.JSONField(help_text="Both leads' fields before the merge, to undo it.")
    moved_touches = models.JSONField(default=list, help_text="Touch ids moved to the survivor.")
    moved_events = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "survivor"], name="leadmerge_survivor"),
            models.Index(fields=["tenant", "merged"], name="leadmerge_merged"),
        ]

    def __str__(self) -> str:
        return f"{self.merged_id} into {self.survivor_id}"


class DedupeWeights(TenantOwned):
    """What the duplicate matcher learned from the tenant's own records (routing.dedupe_learn):
    the m and u of every field and agreement level, the scores a merge and a review need, and
    the sample they came from. The newest row is in force; earlier ones stay as history."""

    learned_at = models.DateTimeField()
    records = models.PositiveIntegerField(help_text="Contacts and open leads learned from.")
    candidate_pairs = models.PositiveIntegerField(help_text="Pairs blocking put together.")
    random_pairs = models.PositiveIntegerField(help_text="Random pairs the u came from.")
    iterations = models.PositiveSmallIntegerField()
    converged = models.BooleanField()
    match_share = models.FloatField(help_text="The share of duplicates among candidate pairs.")
    m_u = models.JSONField(help_text='{field: {level: [m, u]}}; the levels as strings ("0").')
    merge_at = models.FloatField(help_text="The score from which a pair is merged.")
    review_at = models.FloatField(help_text="The score from which a pair is reviewed.")
    sample_seq = models.BigIntegerField(
        default=0, help_text="The newest change of the tenant's people when learned."
    )

    audit_exclude = ("m_u",)  # the row keeps them; the audit log says when and who learned

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-learned_at", "-id"]
        indexes = [models.Index(fields=["tenant", "learned_at"], name="dedupeweights_learned")]

    def __str__(self) -> str:
        return f"Duplicate weights learned {self.learned_at:%Y-%m-%d %H:%M}"

    def table(self) -> dict[str, dict[int, tuple[float, float]]]:
        """`m_u` with integer levels and (m, u) tuples, as the matcher takes them."""
        return {
            name: {int(level): (float(m), float(u)) for level, (m, u) in levels.items()}
            for name, levels in self.m_u.items()
        }


def _form_key() -> str:
    return secrets.token_urlsafe(12)


# What a web-to-lead form's owner sets (the console's form settings and the API's form resource).
LEAD_FORM_SETTINGS = (
    "name",
    "source_detail",
    "priority",
    "partner",
    "allowed_origins",
    "thank_you",
    "is_active",
)
# An SLA policy's clocks (the console's SLA settings and the API's policy resource).
SLA_CLOCKS = (
    "accept_minutes",
    "first_touch_minutes",
    "remind_before_minutes",
    "recall_after_minutes",
    "max_recalls",
)


class LeadForm(TenantOwned):
    """A public web-to-lead form, embeddable on the manufacturer's (or a partner's) site."""

    key = models.CharField(max_length=32, default=_form_key, help_text="In the public URL.")
    name = models.CharField(max_length=200)
    source_detail = models.CharField(max_length=200, blank=True)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.NORMAL)
    partner = models.ForeignKey(
        "tenancy.Partner",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A partner's co-branded form: its leads count as submitted by that partner.",
    )
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_origins],
        help_text="Sites that may embed the form (https://…).",
    )
    thank_you = models.CharField(max_length=300, default="Thank you. We will be in touch shortly.")
    is_active = models.BooleanField(default=True)

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="leadform_key")]

    def __str__(self) -> str:
        return self.name


class EnrichmentProvider(TenantOwned):
    """Where enrichment looks beyond the lead itself. The tenant's own data is always used; an HTTP
    provider adds firmographics, with a timeout, and never blocks routing when it fails."""

    kind = models.CharField(max_length=10, choices=ProviderKind.choices)
    url = models.URLField(blank=True)
    api_key = models.CharField(max_length=200, blank=True)
    timeout_seconds = models.FloatField(
        default=2.0, validators=[MinValueValidator(0.1), MaxValueValidator(30)]
    )
    is_active = models.BooleanField(default=True)

    audit_exclude = ("api_key",)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="enrichmentprovider_kind")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class NotificationQuerySet(TenantQuerySet):
    def visible_to(self, membership) -> NotificationQuerySet:
        return self.filter(user_id=membership.user_id)


class Notification(TenantOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=14, choices=EventKind.choices)
    title = models.CharField(max_length=200)
    body = models.CharField(max_length=500, blank=True)
    lead = models.ForeignKey(
        "pipeline.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects: ClassVar = TenantManager.from_queryset(NotificationQuerySet)()
    audit_skip = True

    class Meta:
        base_manager_name = "all_tenants"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "user", "read_at"], name="notification_inbox"),
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(TenantOwned):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(
        max_length=10, choices=DigestMode.choices, default=DigestMode.IMMEDIATE
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        base_manager_name = "all_tenants"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="notificationpref_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"
