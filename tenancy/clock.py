"""One clock: every time a page shows or reads is in the viewer's tenant time zone
(`Tenant.timezone`); machine-readable UTC only in the API and in CSV exports.

- The door guard (`tenancy.views.door_page`) activates `viewer_zone()` around every page, so
  `{{ moment }}`, `|date`, `timezone.localtime()`/`localdate()` and form DateTimeFields show and
  read local time with no per-view or per-template zone.
- `templates/base.html` names the active zone once per page, in its footer; pages never label a
  time with its zone again (an input may say in which zone a typed time is read: `zone_name()`).
- Text written before anyone reads it (timeline entries, notifications, emails) is formatted in
  the tenant's zone with `local_text()`; emails name the zone, having no footer.
- The API (DRF, `USE_TZ`) and CSV exports (`core.csvexport.safe_cell`) write ISO 8601 in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from tenancy.models import Membership, Tenant

__all__ = ["TEXT_FORMAT", "local_text", "viewer_zone", "zone_name"]

TEXT_FORMAT = "%Y-%m-%d %H:%M"  # the pages' `|date:"Y-m-d H:i"`


def viewer_zone(membership: Membership) -> ZoneInfo:
    """The zone the viewer's pages are shown in: their tenant's."""
    return membership.tenant.zone


def zone_name() -> str:
    """The name of the zone now active (a page's: the viewer's), for hints on time inputs."""
    return timezone.get_current_timezone_name()


def local_text(moment: dt.datetime, tenant: Tenant) -> str:
    """`moment` as the tenant's pages show it, for text stored now and read later."""
    return f"{timezone.localtime(moment, tenant.zone):{TEXT_FORMAT}}"
