"""Lead ops' API endpoints (collected by config/api_router.py; see core/api/routes.py)."""

from core.api.routes import Resource
from routing.api.views import (
    AssigneeViewSet,
    DuplicateCandidateViewSet,
    LeadFormViewSet,
    LeadMergeViewSet,
    LeadViewSet,
    NotificationViewSet,
    SlaPolicyViewSet,
)

resources = [
    Resource("leads", LeadViewSet, "lead"),
    Resource("duplicate-candidates", DuplicateCandidateViewSet, "duplicatecandidate"),
    Resource("lead-merges", LeadMergeViewSet, "leadmerge"),
    Resource("sla-policies", SlaPolicyViewSet, "slapolicy"),
    Resource("lead-forms", LeadFormViewSet, "leadform"),
    Resource("assignees", AssigneeViewSet, "assignee"),
    Resource("notifications", NotificationViewSet, "notification"),
]
