"""URLs of the three front doors. Each door: `/<door>/` signs in and picks the tenant; every page
after that carries the tenant slug: `/<door>/<tenant>/...`."""

from __future__ import annotations

from django.urls import include, path

from tenancy import views
from tenancy.choices import Door


def _door(door: Door, pages: list) -> tuple:
    guard = views.door_page(door)
    patterns = [
        path("", views.front_door, {"door": door}, name="front"),
        path("<slug:tenant>/", guard(views.home), name="home"),
        *[path(f"<slug:tenant>/{route}", guard(view), name=name) for route, view, name in pages],
    ]
    return include((patterns, door.value), namespace=door.value)


portal_urls = _door(Door.PORTAL, [])
sales_urls = _door(Door.SALES, [])
console_urls = _door(
    Door.CONSOLE,
    [
        ("audit/", views.audit_log, "audit-log"),
        ("partners/", views.partner_list, "partners"),
        ("teams/", views.team_list, "teams"),
        ("users/", views.user_list, "users"),
        ("api-tokens/", views.api_tokens, "api-tokens"),
        ("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, "api-token-revoke"),
    ],
)
