"""The site's URLs. Apps declare theirs in fixed places, collected here: pages inside the front
doors in `<app>/pages.py` (mounted by tenancy/urls.py), other URLs in `<app>/urls.py`, and API
endpoints in `<app>/api/urls.py` (config/api_router.py)."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.discovery import app_modules
from core.views import favicon, healthz

public_api: dict[str, list] = {"authentication_classes": [], "permission_classes": []}

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    # Each app's URLs outside the API: the front doors with their pages (tenancy), public pages
    # such as the web-to-lead forms (routing). Declared in <app>/urls.py.
    *[pattern for module in app_modules("urls") for pattern in module.urlpatterns],
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(**public_api), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", **public_api),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="api-schema", **public_api),
        name="api-redoc",
    ),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
