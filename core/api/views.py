"""API base classes. Every endpoint under /api/v1/ derives from one of these.

What they enforce, so subclasses cannot forget it:
- the tenant comes from the credential (`settings.API_TENANT_RESOLVER`), never from the body;
- authentication, the tenant scope and the audit actor are settled before permissions run, and the
  whole request runs inside the scope (queries outside it raise);
- every queryset is the model's `visible_to(membership)`, so objects of another tenant or another
  partner are 404, never 403;
- created objects get the request's tenant.
`TenantModelViewSet` is sealed: subclasses use the hooks (`scope_queryset`, `save_new`), not
`get_queryset`/`get_object`/`get_permissions`/`perform_create`.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from rest_framework import exceptions, mixins, viewsets
from rest_framework.views import APIView

from core.api.permissions import RolePermission
from core.audit import audit_context
from core.http import client_ip
from core.tenancy import tenant_scope

__all__ = ["TenantAPIMixin", "TenantAPIView", "TenantModelViewSet", "TenantReadOnlyViewSet"]

SEALED = ("get_queryset", "get_object", "get_permissions", "perform_create", "initial", "dispatch")


class TenantAPIMixin:
    permission_classes: ClassVar[list] = [RolePermission]
    read_roles: ClassVar[frozenset[str] | None] = None  # None: every member may read
    write_roles: ClassVar[frozenset[str]] = frozenset()  # empty: nobody may write

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with ExitStack() as stack:
            self._request_scope = stack
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        # An unsupported method is 405 whoever asks, before roles are weighed.
        if not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def perform_authentication(self, request: Any) -> None:
        request.tenant = request.membership = None
        user = request.user  # runs the authenticators
        if not user or not user.is_authenticated:
            return
        resolve = import_string(settings.API_TENANT_RESOLVER)
        request.tenant, request.membership = resolve(request)
        self._request_scope.enter_context(tenant_scope(request.tenant))
        self._request_scope.enter_context(
            audit_context(actor=user, source="api", ip_address=client_ip(request))
        )


class TenantAPIView(TenantAPIMixin, APIView):
    """A non-model endpoint (e.g. /me/) with the same tenant and permission rules."""


class _SealedViewSetMixin(TenantAPIMixin):
    model: ClassVar[type[models.Model]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in SEALED:
            if name in cls.__dict__:
                raise TypeError(f"{cls.__name__} may not override {name}(); use the hooks instead")

    def get_queryset(self) -> models.QuerySet:
        membership = getattr(self.request, "membership", None)
        if membership is None:  # schema generation, or a refused request
            return self.model.objects.none()
        return self.scope_queryset(self.model.objects.visible_to(membership))

    def scope_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        """Hook: add select_related, annotations or extra filters."""
        return queryset

    def perform_create(self, serializer: Any) -> None:
        self.save_new(serializer, tenant=self.request.tenant)

    def save_new(self, serializer: Any, *, tenant: Any) -> None:
        """Hook: create through a service when creating is more than saving."""
        serializer.save(tenant=tenant)


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
