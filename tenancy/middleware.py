"""Enters the tenant scope for every page whose URL names a tenant (`/console/<tenant>/...`).

The tenant comes from the URL only, never from the session, so two tabs can hold two tenants.
URLs without a tenant get no scope: a tenant-owned query there raises. The API resolves its
tenant from the credential instead (core.api.views).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from core.audit import audit_context
from core.http import client_ip
from core.tenancy import tenant_scope
from tenancy.models import Tenant
from tenancy.requests import TenantURLRequest


class TenantScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantURLRequest) -> HttpResponse:
        request.tenant = None
        with audit_context(actor=request.user, source="web", ip_address=client_ip(request)):
            slug = self._tenant_slug(request)
            if slug is None:
                return self.get_response(request)
            tenant = Tenant.objects.filter(slug=slug).first()
            if tenant is None:
                # The page's guard answers: sign in first, then "not found", so an anonymous
                # visitor cannot tell which tenants exist.
                return self.get_response(request)
            request.tenant = tenant
            with tenant_scope(tenant):
                return self.get_response(request)

    @staticmethod
    def _tenant_slug(request: HttpRequest) -> str | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return match.kwargs.get("tenant")
