"""URLs of the three front doors. Each door: `/<door>/` signs in and picks the tenant; every page
after that carries the tenant slug, `/<door>/<tenant>/...`, and sits behind the door's guard.
Pages come from the registry in tenancy/navigation.py (apps register theirs in ready())."""

from __future__ import annotations

from django.urls import include, path

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


portal_urls = _door(Door.PORTAL)
sales_urls = _door(Door.SALES)
console_urls = _door(Door.CONSOLE)
