"""The platform admin: superusers only, and the one web surface that sees every tenant."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode

from core.audit import audit_context
from core.tenancy import all_tenants_scope

AdminView = TypeVar("AdminView", bound=Callable[..., HttpResponseBase])


class PlatformAdminSite(admin.AdminSite):
    site_header = "Channel Balance platform admin"
    site_title = "Channel Balance admin"

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        """Sign in through the console's front door, which throttles and audits every attempt."""
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': next_url})}")

    def admin_view(self, view: AdminView, cacheable: bool = False) -> AdminView:
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def scoped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            with all_tenants_scope(), audit_context(actor=request.user, source="admin"):
                response = inner(request, *args, **kwargs)
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
                return response

        return cast(AdminView, scoped)  # the same view, run inside the scope
