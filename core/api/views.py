"""API base classes. Every endpoint under /api/v1/ derives from one of these.

What they enforce, so subclasses cannot forget it:
- the tenant comes from the credential (`settings.API_TENANT_RESOLVER`), never from the body;
- authentication, the tenant scope and the audit actor are settled before permissions run, and the
  whole request runs inside the scope (queries outside it raise);
- every queryset is the model's `visible_to(membership)`, so objects of another tenant or another
  partner are 404, never 403;
- created objects get the request's tenant; fields listed in `field_roles` may only be set by
  those roles, actions listed in `action_roles` (e.g. {"approve": ADMINS}) only be called by
  those (core.api.permissions.RolePermission);
- POST and PATCH honour `Idempotency-Key`; updates honour `If-Match` (or a `version` in the body)
  and refuse a stale one with 409.
`TenantModelViewSet` is sealed: subclasses use the hooks (`scope_queryset`, `save_new`), not
`get_queryset`/`get_object`/`get_permissions`/`perform_create`/`perform_update`.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.utils.module_loading import import_string
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from core import idempotency
from core.acting import Member
from core.api.permissions import RolePermission
from core.audit import audit_context
from core.http import client_ip
from core.models import IdempotencyKey, TenantOwned
from core.tenancy import tenant_scope

__all__ = [
    "TenantAPIMixin",
    "TenantAPIView",
    "TenantModelViewSet",
    "TenantReadOnlyViewSet",
    "VersionConflict",
    "check_field_roles",
]

SEALED = (
    "get_queryset",
    "get_object",
    "get_permissions",
    "perform_create",
    "perform_update",
    "initial",
    "dispatch",
)
IDEMPOTENT_METHODS = {"POST", "PATCH"}


class VersionConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "version_conflict"

    def __init__(self, current_version: int) -> None:
        super().__init__(
            f"The record changed meanwhile: it is at version {current_version}. Fetch it and retry."
        )
        self.current_version = current_version


def check_field_roles(field_roles: dict[str, frozenset[str]], data: Any, role: str) -> None:
    """Refuse input that sets a field the caller's role may not set."""
    if not isinstance(data, dict):
        return
    refused = sorted(f for f, roles in field_roles.items() if f in data and role not in roles)
    if refused:
        raise exceptions.PermissionDenied(f"Your role may not set: {', '.join(refused)}.")


if TYPE_CHECKING:
    # The mixins are written against the DRF views they are mixed into (super() calls, request,
    # action); at run time they stay plain classes so `__init_subclass__` sees the real MRO.
    _APIViewBase = APIView
    _ViewSetBase = viewsets.GenericViewSet
else:
    _APIViewBase = _ViewSetBase = object


class ScopedRequest(Request):
    """An API request after `perform_authentication`: the credential's tenant and membership
    (None when unauthenticated; the permission class refuses those before any handler runs).
    Apps annotate their views with `tenancy.requests.TenantAPIRequest`, which names the types."""

    tenant: Any
    membership: Member


class TenantAPIMixin(_APIViewBase):
    request: ScopedRequest
    permission_classes = [RolePermission]
    read_roles: ClassVar[frozenset[str] | None] = None  # None: every member may read
    write_roles: ClassVar[frozenset[str]] = frozenset()  # empty: nobody may write
    # Narrower roles for some actions (e.g. only admins approve), and what the others are told.
    action_roles: ClassVar[dict[str, frozenset[str]]] = {}
    action_refusals: ClassVar[dict[str, str]] = {}

    _idempotency_record: IdempotencyKey | None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        self._idempotency_record = None
        with ExitStack() as stack:
            self._request_scope = stack
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        # An unsupported method is 405 whoever asks, before roles are weighed.
        if not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        if request.method in IDEMPOTENT_METHODS and request.META.get(idempotency.HEADER):
            # The key, the write and the stored response commit together or not at all.
            self._request_scope.enter_context(transaction.atomic())
            self._idempotency_record = idempotency.claim(request, request.tenant)

    def perform_authentication(self, request: Any) -> None:
        request.tenant = request.membership = None
        user = request.user  # runs the authenticators
        if not user or not user.is_authenticated:
            return
        resolve = import_string(settings.API_TENANT_RESOLVER)
        request.tenant, request.membership = resolve(request)
        self._request_scope.enter_context(tenant_scope(request.tenant))
        self._request_scope.enter_context(
            audit_context(
                actor=user,
                source="api",
                ip_address=client_ip(request),
                credential=f"token {request.auth.key_prefix}…"
                if getattr(request.auth, "key_prefix", "")
                else "session",
            )
        )

    def handle_exception(self, exc: Exception) -> Any:
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            isinstance(data, dict)
            and isinstance(data.get("version"), int)
            and response.status_code < 300
        ):
            response["ETag"] = f'"{data["version"]}"'
        record = getattr(self, "_idempotency_record", None)
        if record is not None and response.status_code < 500:
            idempotency.remember(record, response)
        return response

    def get_serializer_context(self) -> dict[str, Any]:
        # Generic views give request/view/format; a plain APIView has no such method.
        parent = getattr(super(), "get_serializer_context", None)
        context = parent() if parent else {"request": self.request, "view": self}
        context["membership"] = getattr(self.request, "membership", None)
        context["tenant"] = getattr(self.request, "tenant", None)
        return context


class TenantAPIView(TenantAPIMixin, APIView):
    """A non-model endpoint (e.g. /me/) with the same tenant and permission rules."""


class _SealedViewSetMixin(TenantAPIMixin, _ViewSetBase):
    model: ClassVar[type[TenantOwned]]
    # Fields only some roles may set, e.g. {"owner_partner": {"revops_admin"}}.
    field_roles: ClassVar[dict[str, frozenset[str]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Whatever class in the hierarchy would win over the base's version, mixins included.
        for name in SEALED:
            owner = next(k for k in cls.__mro__ if name in k.__dict__)
            if owner not in (
                _SealedViewSetMixin,
                TenantAPIMixin,
            ) and not owner.__module__.startswith("rest_framework"):
                raise TypeError(
                    f"{cls.__name__} may not override {name}() (from {owner.__name__}); use the hooks"
                )

    def get_queryset(self) -> models.QuerySet:
        membership = getattr(self.request, "membership", None)
        if membership is None:  # schema generation, or a refused request
            return self.model.objects.none()
        return self.scope_queryset(self.model.objects.visible_to(membership))

    def scope_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """Hook: add select_related, annotations or extra filters."""
        return queryset

    def check_permissions(self, request: Any) -> None:
        super().check_permissions(request)
        # Before validation: setting a field one may not set is a 403 whatever else is wrong.
        if self.action in ("create", "update", "partial_update"):
            check_field_roles(self.field_roles, request.data, request.membership.role)

    def perform_create(self, serializer: Any) -> None:
        self.save_new(serializer, tenant=self.request.tenant)

    def save_new(self, serializer: Any, *, tenant: Any) -> None:
        """Hook: create through a service when creating is more than saving."""
        serializer.save(tenant=tenant, **self.creation_defaults(serializer.validated_data))

    def creation_defaults(self, validated: dict[str, Any]) -> dict[str, Any]:
        """Hook: values a new row takes from who creates it (e.g. a partner user's own partner).
        Applied to single creates and to rows created by bulk upserts alike."""
        return {}

    def perform_update(self, serializer: Any) -> None:
        instance = serializer.instance
        if not hasattr(instance, "version"):
            serializer.save()
            return
        expected = self.expected_version()
        with transaction.atomic():
            current = (
                type(instance)
                .all_tenants.select_for_update()
                .filter(pk=instance.pk)
                .values_list("version", flat=True)
                .get()
            )
            if expected is not None and expected != current:
                raise VersionConflict(current)
            instance.version = current  # last writer wins only when the client sent no version
            serializer.save()

    def expected_version(self) -> int | None:
        """The version the client last saw: If-Match ("3" or W/"3"), else `version` in the body."""
        header = self.request.META.get("HTTP_IF_MATCH", "").strip()
        data = self.request.data
        body_version = data.get("version") if isinstance(data, dict) else None
        raw = re.sub(r'^(W/)?"?|"$', "", header) if header else body_version
        if raw in (None, "", "*"):
            return None
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError(
                {"version": ["Send the version as a whole number."]}
            ) from None


class TenantModelViewSet(
    _SealedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """CRUD for a tenant-owned model."""


class TenantReadOnlyViewSet(
    _SealedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """List and retrieve for a tenant-owned model."""
