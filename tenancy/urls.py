"""URLs of the three front doors, sign-out and password reset. Each door: `/<door>/` signs in and
picks the tenant; every page after that carries the tenant slug, `/<door>/<tenant>/...`, and sits
behind the door's guard. Pages come from the registry in tenancy/navigation.py (every app declares
its own in `<app>/pages.py`)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from tenancy import views
from tenancy.choices import Door
from tenancy.navigation import pages


def _door(door: Door) -> tuple:
    guard = views.door_page(door)
    patterns = [
        path("", views.front_door, {"door": door}, name="front"),
        path("<slug:tenant>/", guard(views.home), name="home"),
        *[path(f"<slug:tenant>/{p.route}", guard(p.view), name=p.name) for p in pages(door)],
    ]
    return include((patterns, door.value), namespace=door.value)


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
        views.PasswordResetConfirmView.as_view(),
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
    path("portal/", _door(Door.PORTAL)),
    path("sales/", _door(Door.SALES)),
    path("console/", _door(Door.CONSOLE)),
    path("logout/", views.sign_out, name="logout"),
    *password_reset,
]
