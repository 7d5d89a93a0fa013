from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path, reverse_lazy
from django.views.generic import TemplateView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from core.views import healthz
from routing.public import lead_form
from tenancy.urls import console_urls, portal_urls, sales_urls
from tenancy.views import PasswordResetConfirmView, sign_out

public_api: dict[str, list] = {"authentication_classes": [], "permission_classes": []}

password_reset = [
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset.html",
            email_template_name="registration/password_reset_email.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", TemplateView.as_view(template_name="landing.html"), name="landing"),
    path("healthz", healthz, name="healthz"),
    path("portal/", portal_urls),
    path("sales/", sales_urls),
    path("console/", console_urls),
    path("logout/", sign_out, name="logout"),
    # Public web-to-lead forms, outside the doors (routing.public enters the tenant itself). The
    # bare /f/ answers 404 like any unknown form, and gives the route a URL without arguments.
    re_path(
        r"^f/(?:(?P<tenant_slug>[-a-zA-Z0-9_]+)/(?P<key>[-a-zA-Z0-9_]+)/)?$",
        lead_form,
        name="public-lead-form",
    ),
    *password_reset,
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
