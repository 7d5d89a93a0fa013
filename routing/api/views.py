"""The lead-ops API: leads (intake, bulk upsert and sync feed, accept/reject, touches, timeline,
reassignment), the duplicate review, merges, SLA policies, web-to-lead forms, assignees and
notifications.

State changes go through the routing services (`routing.services`, `routing.dedupe_service`);
this module turns their refusals into the API's error body: a ValidationError is a 400 naming
the field, a PermissionDenied a 403 with the service's reason. Objects the caller may not see
are 404, whatever the role.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.sync import SyncActionsMixin
from core.api.views import TenantModelViewSet, TenantReadOnlyViewSet
from guardrails.redact import NOTHING, redactor_for
from pipeline.models import Lead, Touch
from routing import dedupe_service, intake, notify, services
from routing.api.serializers import (
    AssigneeSerializer,
    DuplicateCandidateSerializer,
    LeadEventSerializer,
    LeadFormSerializer,
    LeadMergeSerializer,
    LeadSerializer,
    LeadTouchSerializer,
    NotificationSerializer,
    ReassignSerializer,
    RejectSerializer,
    SlaPolicySerializer,
    TouchInputSerializer,
)
from routing.filters import (
    AssigneeFilterSet,
    DuplicateCandidateFilterSet,
    LeadFilterSet,
    LeadFormFilterSet,
    LeadMergeFilterSet,
    NotificationFilterSet,
)
from routing.models import (
    Assignee,
    DuplicateCandidate,
    LeadEvent,
    LeadForm,
    LeadMerge,
    Notification,
    SlaPolicy,
)
from tenancy.choices import Role
from tenancy.requests import TenantAPIRequest

__all__ = [
    "AssigneeViewSet",
    "DuplicateCandidateViewSet",
    "LeadFormViewSet",
    "LeadMergeViewSet",
    "LeadViewSet",
    "NotificationViewSet",
    "SlaPolicyViewSet",
]

ADMINS = frozenset({Role.REVOPS_ADMIN})
EVERYONE = frozenset(Role.values)


class RoutingAPIMixin(GenericAPIView):
    """The request's redactor (what partner users may not read) in every serializer's context,
    and pages of related rows. Mixed in before the tenant viewsets (which are GenericAPIViews)."""

    def get_serializer_context(self) -> dict[str, Any]:
        context = {**super().get_serializer_context()}
        if not hasattr(self, "_redactor"):
            membership = getattr(self.request, "membership", None)
            self._redactor = redactor_for(membership) if membership is not None else NOTHING
        context["redactor"] = self._redactor
        return context

    def _page(self, queryset: QuerySet, serializer_class: type) -> Response:
        context = self.get_serializer_context()
        page = self.paginate_queryset(queryset)
        if page is not None:
            data = serializer_class(page, many=True, context=context).data
            return self.get_paginated_response(data)
        return Response(serializer_class(queryset, many=True, context=context).data)


# --- leads ----------------------------------------------------------------------------------


class LeadViewSet(RoutingAPIMixin, SyncActionsMixin, TenantModelViewSet):
    """Leads. Everyone may submit leads and correct their intake fields; partner users see the
    leads assigned to their partner or submitted by it, reps their own and their team's
    unassigned ones, managers and RevOps admins all. Routing fields are read-only: they change
    through accept, reject, touches and (RevOps admins) reassign. Every new lead, however it
    arrives, is enriched, deduplicated and routed in the background right after it is stored."""

    model = Lead
    queryset = Lead.objects.none()
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    write_roles = EVERYONE
    sync_roles = ADMINS  # the CRM integration's feed
    # The channel a lead came from is taken from who submits it; an integration may name it.
    field_roles = {"source": ADMINS}
    action_roles = {"reassign": ADMINS}
    action_refusals = {"reassign": "Only RevOps admins reassign leads."}

    def creation_defaults(self, validated: dict) -> dict:
        return intake.api_defaults(cast(TenantAPIRequest, self.request).membership, validated)

    def perform_destroy(self, instance: Lead) -> None:
        if cast(TenantAPIRequest, self.request).membership.role not in ADMINS:
            raise exceptions.PermissionDenied("Only RevOps admins delete leads.")
        instance.delete()

    def _respond(self, lead: Lead, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=lead.pk).first() or lead
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=None, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Accept a lead routed to you (or your partner, or your team)."""
        lead = services.accept_lead(self.get_object(), acting=request.membership)
        return self._respond(lead)

    @extend_schema(request=RejectSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Decline a lead routed to you, with a reason; it goes to the next eligible target."""
        lead = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lead = services.reject_lead(
            lead, acting=request.membership, reason=body.validated_data["reason"]
        )
        return self._respond(lead)

    @extend_schema(methods=["GET"], request=None, responses={200: LeadTouchSerializer(many=True)})
    @extend_schema(
        methods=["POST"], request=TouchInputSerializer, responses={201: LeadTouchSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def touches(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """GET: the lead's touches you may see. POST: log a touch (call, email, meeting...) on a
        lead assigned to you; the first one stops the SLA clocks and records speed-to-lead."""
        lead = self.get_object()
        if request.method == "GET":
            touches = Touch.objects.visible_to(request.membership).filter(lead=lead)
            return self._page(touches, LeadTouchSerializer)
        body = TouchInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        touch = services.log_touch(
            lead,
            acting=request.membership,
            channel=body.validated_data["channel"],
            subject=body.validated_data.get("subject", ""),
            occurred_at=body.validated_data.get("occurred_at"),
        )
        return Response(LeadTouchSerializer(touch).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: LeadEventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def events(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """The lead's timeline: received, enriched, merged, routed, accepted, rejected,
        reassigned, reminders, breaches, escalations, recalls and touches, oldest first."""
        lead = self.get_object()
        events = LeadEvent.objects.visible_to(request.membership).filter(lead=lead)
        return self._page(events, LeadEventSerializer)

    @extend_schema(request=ReassignSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def reassign(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """RevOps admins: hand the lead to a partner or a direct rep by hand (new SLA clocks)."""
        lead = self.get_object()
        body = ReassignSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        lead = services.reassign_lead(
            lead,
            acting=request.membership,
            partner=body.validated_data.get("partner"),
            user=body.validated_data.get("user"),
        )
        return self._respond(lead)


# --- duplicate review and merges (RevOps admins) --------------------------------------------


class DuplicateCandidateViewSet(RoutingAPIMixin, TenantReadOnlyViewSet):
    """The duplicate review queue: pairs scored between the review and the auto-merge
    thresholds, and pairs already decided. RevOps admins merge a pair or mark it distinct
    (remembered: the pair is never proposed again)."""

    model = DuplicateCandidate
    queryset = DuplicateCandidate.objects.none()
    serializer_class = DuplicateCandidateSerializer
    filterset_class = DuplicateCandidateFilterSet
    read_roles = ADMINS
    write_roles = ADMINS

    @extend_schema(request=None, responses={200: DuplicateCandidateSerializer})
    @action(detail=True, methods=["post"])
    def merge(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        candidate = dedupe_service.merge_candidate(self.get_object(), acting=request.membership)
        return Response(self.get_serializer(candidate).data)

    @extend_schema(request=None, responses={200: DuplicateCandidateSerializer})
    @action(detail=True, methods=["post"])
    def distinct(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        candidate = dedupe_service.mark_distinct(self.get_object(), acting=request.membership)
        return Response(self.get_serializer(candidate).data)


class LeadMergeViewSet(RoutingAPIMixin, TenantReadOnlyViewSet):
    """Merges of leads (automatic and confirmed), each with what is needed to undo it."""

    model = LeadMerge
    queryset = LeadMerge.objects.none()
    serializer_class = LeadMergeSerializer
    filterset_class = LeadMergeFilterSet
    read_roles = ADMINS
    write_roles = ADMINS

    @extend_schema(request=None, responses={200: LeadMergeSerializer})
    @action(detail=True, methods=["post"])
    def undo(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Put both leads back as they were and remember the pair as distinct."""
        merge = dedupe_service.undo_merge(self.get_object(), acting=request.membership)
        return Response(self.get_serializer(merge).data)


# --- configuration --------------------------------------------------------------------------


class SlaPolicyViewSet(RoutingAPIMixin, TenantModelViewSet):
    """SLA policies by route and priority, in business minutes of the tenant's calendar.
    Everyone may read them (they are the clocks people work against); RevOps admins write."""

    model = SlaPolicy
    queryset = SlaPolicy.objects.none()
    serializer_class = SlaPolicySerializer
    write_roles = ADMINS


class LeadFormViewSet(RoutingAPIMixin, TenantModelViewSet):
    """Public web-to-lead forms (RevOps admins): each has a public URL and an embed snippet;
    `allowed_origins` are the sites that may frame it or post to it with fetch."""

    model = LeadForm
    queryset = LeadForm.objects.none()
    serializer_class = LeadFormSerializer
    filterset_class = LeadFormFilterSet
    read_roles = ADMINS
    write_roles = ADMINS


class AssigneeViewSet(RoutingAPIMixin, TenantModelViewSet):
    """Who takes leads and how many: weight in the round robin, capacity (open leads at once),
    time away, and whether they take leads at all. RevOps admins only: a partner's availability
    is agreed with the manufacturer (partner admins ask their channel manager)."""

    model = Assignee
    queryset = Assignee.objects.none()
    serializer_class = AssigneeSerializer
    filterset_class = AssigneeFilterSet
    read_roles = ADMINS
    write_roles = ADMINS


class NotificationViewSet(RoutingAPIMixin, TenantReadOnlyViewSet):
    """Your own notifications (leads routed to you, reminders, breaches, escalations...)."""

    model = Notification
    queryset = Notification.objects.none()
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilterSet
    write_roles = EVERYONE  # the read actions; each person only ever reaches their own

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: TenantAPIRequest, pk: str | None = None) -> Response:
        """Mark one notification read."""
        notification = self.get_object()
        if notification.read_at is None:
            now = timezone.now()
            mine = self.get_queryset().filter(pk=notification.pk)
            notify.mark_read(mine, acting=request.membership, now=now)
            notification.read_at = notification.updated_at = now
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        request=None,
        responses={200: OpenApiResponse(description='{"marked": <how many>}')},
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="readall")
    def read_all(self, request: TenantAPIRequest) -> Response:
        """Mark all your unread notifications read."""
        marked = notify.mark_read(self.get_queryset(), acting=request.membership)
        return Response({"marked": marked})
