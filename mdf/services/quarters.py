"""When a balance's quarter ends and when its notices of unused funds fall (the tenant's time
zone and settings): the times the quarter-end timer steps through."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from mdf.choices import UnusedFunds
from mdf.services.settings import settings_for
from tenancy.models import Tenant
from tenancy.quarters import Quarter

__all__ = ["first_timer", "notice_times", "quarter_ends_at"]


def quarter_ends_at(tenant: Tenant, quarter_start: dt.date) -> dt.datetime:
    """Midnight at the start of the next quarter, in the tenant's time zone."""
    following = Quarter.of(tenant, quarter_start).following
    return dt.datetime.combine(following, dt.time(), tzinfo=zoneinfo.ZoneInfo(tenant.timezone))


def notice_times(tenant: Tenant, quarter_start: dt.date) -> list[dt.datetime]:
    if settings_for(tenant).unused_funds != UnusedFunds.EXPIRE:
        return []
    ends = quarter_ends_at(tenant, quarter_start)
    days = settings_for(tenant).expiry_notice_days
    return sorted(ends - dt.timedelta(days=d) for d in days)


def first_timer(tenant: Tenant, quarter_start: dt.date, now: dt.datetime) -> dt.datetime:
    """The balance's next step from `now`: the next notice still ahead, else the quarter end."""
    ahead = [t for t in notice_times(tenant, quarter_start) if t > now]
    return ahead[0] if ahead else quarter_ends_at(tenant, quarter_start)
