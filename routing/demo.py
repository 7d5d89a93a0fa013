"""Demo lead operations: for each demo manufacturer, SLA policies, a business calendar, who takes
leads (weights, capacity, one rep out of office), web-to-lead forms, and ten days of leads sent
through the real engine, so every inbox, queue and monitor has real data on first start.

The stream is replayed in time order. Each lead is stored with `Lead.objects.create` and then
processed with `routing.services.process_batch(..., now=<its arrival>)`, as a worker would have
done at that moment: enriched, deduplicated, routed and timed. The people then act as people do,
at business-hour delays after each assignment: they accept (`accept_lead`), decline with a reason
(`reject_lead`, which re-routes), log calls and emails (`log_touch`), or let the lead sit, and
`sweep_timers(now=...)` runs every half hour of the replay, so reminders, breaches, escalations and
recalls happen when they would have. Leads that arrived in the last hours are still waiting, so
the inboxes show live countdowns. An admin hands some leads nobody could take to a rep.

The stream: new people at known accounts and existing contacts asking again, new prospects,
free-mail addresses, leads submitted by partner users in the portal, a trade-show badge import,
leads from the expansion markets nobody covers yet, and duplicates of earlier leads with typos,
swapped names, reformatted phone numbers and dropped legal forms.

Leads are numbered (DEMO-L-0000001, oldest first) and only missing numbers are replayed, so
seeding again adds nothing. The stream is ten days of intake, not customer data: it does not
grow with `--scale` above 1 (a fractional scale shortens it, down to a floor).

Notifications carry the replayed time and count as emailed (seeding sends no email); those older
than two days count as read.

Before those ten days lie two years of leads already worked (DEMO-LH-0000001 on, `_History`): too
many to replay, so they are written as the engine would have left them, after the replay (they
do not take part in its dedupe). Each was routed to its account's owner or, for a newcomer, to
the distributor of the place it wrote from (else a direct rep), touched first within its SLA
or late (each distributor keeps its SLA differently, and changes over time: SLA_KEPT) or not at
all, and then converted or disqualified; the first touch is a Touch row, speed-to-lead and
`sla_met` follow from it, and the timeline has its events. They grow with `--scale`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

import pycountry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from accounts.models import Account, AccountDomain, Contact
from core.acting import SystemActor
from core.audit import audit_context
from core.seeding import backdate, numbered
from core.sync import change_sequence
from core.tenancy import tenant_scope
from guardrails.engine import TerritoryMatcher
from pipeline.choices import Channel, LeadSource, LeadStatus, Priority, TouchRoute
from pipeline.demo import HISTORY_DAYS, SEASON
from pipeline.models import Lead, Touch
from routing import dedupe_weights, services, sla
from routing.calendar import add_business_minutes
from routing.choices import EventKind
from routing.enrich import normalise_lead
from routing.models import (
    Assignee,
    BusinessCalendar,
    LeadEvent,
    LeadForm,
    Notification,
    SlaPolicy,
    SlaTimer,
)
from routing.normalize import normalize_postal
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant

__all__ = ["seed"]

PREFIX = "DEMO-L"
SEEDING = SystemActor("demo seeding")
# Leads per tenant at --scale 1 (the most), and the least at a small --scale.
VOLUME = {"acme": (300, 40), "globex": (75, 20)}
DAYS = 10
TICK = dt.timedelta(minutes=30)  # how often the replay runs the SLA sweep
OPEN = (LeadStatus.ROUTED, LeadStatus.ACCEPTED, LeadStatus.WORKING)
HISTORY_PREFIX = "DEMO-LH"
# Leads of the two years before the replay, per tenant at --scale 1.
HISTORY = {"acme": 2400, "globex": 600}
# Who kept the first-touch SLA on what share of their leads two years ago, and lately
# (partner key, or "direct").
SLA_KEPT: dict[str, dict[str, tuple[float, float]]] = {
    "acme": {
        "nordic": (0.88, 0.95),
        "rhein": (0.8, 0.92),
        "alpine": (0.82, 0.7),
        "baltic": (0.6, 0.76),
        "direct": (0.8, 0.9),
    },
    "globex": {
        "greatlakes": (0.86, 0.94),
        "gulfcoast": (0.84, 0.86),
        "prairie": (0.68, 0.84),
        "direct": (0.78, 0.88),
    },
}

# --- who takes leads, and how fast ---------------------------------------------------------------

# (route, priority) → accept, first touch, remind before, recall after (business minutes), recalls
POLICIES: dict[str, dict[tuple[str, str], tuple[int, int, int, int, int]]] = {
    "acme": {
        ("direct", Priority.HIGH): (30, 120, 15, 120, 2),
        ("direct", Priority.NORMAL): (60, 240, 30, 120, 2),
        ("direct", Priority.LOW): (240, 960, 60, 240, 1),
        ("partner", Priority.HIGH): (120, 240, 30, 180, 2),
        ("partner", Priority.NORMAL): (240, 480, 60, 240, 2),
        ("partner", Priority.LOW): (480, 1440, 120, 480, 1),
    },
    "globex": {
        ("direct", Priority.HIGH): (20, 90, 10, 90, 2),
        ("direct", Priority.NORMAL): (60, 240, 30, 120, 2),
        ("direct", Priority.LOW): (240, 960, 60, 240, 1),
        ("partner", Priority.HIGH): (90, 240, 30, 120, 2),
        ("partner", Priority.NORMAL): (240, 600, 60, 240, 2),
        ("partner", Priority.LOW): (600, 1800, 120, 480, 1),
    },
}
CALENDARS = {"acme": (dt.time(8, 0), dt.time(18, 0)), "globex": (dt.time(7, 0), dt.time(17, 0))}
# Partner key → weight, capacity (most open leads at once; None: no cap)
PARTNER_LOAD = {
    "acme": {"nordic": (3, None), "rhein": (2, None), "alpine": (2, 80), "baltic": (1, 12)},
    "globex": {"greatlakes": (3, None), "gulfcoast": (2, 60), "prairie": (1, 15)},
}
# Rep email → weight, capacity, away (days from today, or None)
REP_LOAD: dict[str, dict[str, tuple[int, int, tuple[int, int] | None]]] = {
    "acme": {
        "rep@acme.example": (2, 80, None),
        "rep2@acme.example": (1, 60, (-1, 3)),  # out of office this week
        "manager@acme.example": (1, 20, None),
    },
    "globex": {"rep@globex.example": (2, 80, None), "manager@globex.example": (1, 40, None)},
}
FORMS: dict[str, list[tuple[str, str, str, str | None]]] = {
    "acme": [
        ("Contact us (acme.example)", "Website contact form", Priority.NORMAL, None),
        ("Request a quote", "Website quote request", Priority.HIGH, None),
        (
            "Alpine Parts & Service: service request",
            "Alpine co-branded form",
            Priority.NORMAL,
            "alpine",
        ),
    ],
    "globex": [
        ("Contact us (globex.example)", "Website contact form", Priority.NORMAL, None),
        ("Compressed-air audit", "Audit request form", Priority.HIGH, None),
    ],
}

# --- the people and places leads come from ------------------------------------------------------


@dataclass(frozen=True)
class Place:
    country: str  # ISO code; leads give its name (`_country_name`)
    region: str  # how people type the region ("" when they leave it out)
    city: str
    postal: str
    dial: str  # country calling code
    area: str  # trunk-less area code
    partner: str | None  # demo partner key of a partner user who would submit a lead from here


def _country_name(code: str) -> str:
    """The country as a lead gives it: its pycountry name ("DE" -> "Germany")."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    return country.name if country is not None else code


def _words(text: str, sep: str | None = None) -> list[str]:
    return text.split(sep)


def _places(rows: list[tuple]) -> list[Place]:
    return [Place(*row) for row in rows]


PLACES = {
    "acme": _places(
        [
            (
                "DE",
                "Bayern",
                "München",
                "80331",
                "49",
                "89",
                "alpine",
            ),
            (
                "DE",
                "Bavaria",
                "Augsburg",
                "86150",
                "49",
                "821",
                "alpine",
            ),
            ("DE", "Bayern", "Regensburg", "93047", "49", "941", "alpine"),
            ("DE", "Baden-Württemberg", "Stuttgart", "70173", "49", "711", None),
            ("DE", "Baden-Württemberg", "Ulm", "89073", "49", "731", None),
            (
                "DE",
                "Nordrhein-Westfalen",
                "Essen",
                "45127",
                "49",
                "201",
                "rhein",
            ),
            (
                "DE",
                "North Rhine-Westphalia",
                "Dortmund",
                "44135",
                "49",
                "231",
                "rhein",
            ),
            ("DE", "Nordrhein-Westfalen", "Köln", "50667", "49", "221", "rhein"),
            ("DE", "Hessen", "Frankfurt am Main", "60311", "49", "69", "rhein"),
            ("DE", "Niedersachsen", "Hannover", "30159", "49", "511", None),
            (
                "AT",
                "Oberösterreich",
                "Linz",
                "4020",
                "43",
                "732",
                "alpine",
            ),
            ("AT", "Steiermark", "Graz", "8010", "43", "316", "alpine"),
            ("AT", "Wien", "Wien", "1010", "43", "1", None),
            ("CH", "Zürich", "Zürich", "8001", "41", "44", "alpine"),
            ("CH", "BE", "Bern", "3011", "41", "31", None),
            ("SE", "Stockholm", "Stockholm", "111 52", "46", "8", "nordic"),
            ("SE", "SE-O", "Göteborg", "411 01", "46", "31", "nordic"),
            ("SE", "SE-BD", "Luleå", "972 31", "46", "920", "nordic"),
            ("SE", "", "Kiruna", "981 31", "46", "980", "nordic"),
            ("NO", "Oslo", "Oslo", "0150", "47", "22", "nordic"),
            ("NO", "Vestland", "Bergen", "5003", "47", "55", "nordic"),
            ("FI", "Uusimaa", "Helsinki", "00100", "358", "9", "nordic"),
            ("FI", "Pirkanmaa", "Tampere", "33100", "358", "3", "nordic"),
            ("PL", "Mazowieckie", "Warszawa", "00-001", "48", "22", "baltic"),
            ("PL", "Śląskie", "Katowice", "40-001", "48", "32", "baltic"),
        ]
    ),
    "globex": _places(
        [
            (
                "US",
                "Illinois",
                "Chicago",
                "60601",
                "1",
                "312",
                "greatlakes",
            ),
            ("US", "IL", "Joliet", "60431", "1", "815", "greatlakes"),
            ("US", "Michigan", "Detroit", "48201", "1", "313", "greatlakes"),
            ("US", "Ohio", "Cleveland", "44114", "1", "216", "greatlakes"),
            ("US", "Wisconsin", "Green Bay", "54301", "1", "920", "greatlakes"),
            ("US", "Texas", "Houston", "77002", "1", "713", "gulfcoast"),
            ("US", "TX", "Dallas", "75201", "1", "214", "gulfcoast"),
            ("US", "Louisiana", "Baton Rouge", "70801", "1", "225", "gulfcoast"),
            ("US", "Kansas", "Wichita", "67202", "1", "316", "prairie"),
            ("US", "Nebraska", "Omaha", "68102", "1", "402", "prairie"),
            ("US", "Iowa", "Des Moines", "50309", "1", "515", "prairie"),
            ("US", "California", "Fresno", "93721", "1", "559", None),
        ]
    ),
}
# Markets with no distributor yet: the rules leave these leads to the routing queue.
EXPANSION = {
    "acme": _places(
        [
            (
                "NL",
                "Zuid-Holland",
                "Rotterdam",
                "3011 AA",
                "31",
                "10",
                None,
            ),
            ("BE", "Antwerpen", "Antwerpen", "2000", "32", "3", None),
            ("GB", "England", "Leeds", "LS1 4DY", "44", "113", None),
        ]
    ),
    "globex": _places(
        [("CA", "Ontario", "Hamilton", "L8P 4R5", "1", "905", None)],
    ),
}
LEGAL_FORM = {
    "DE": ["GmbH", "GmbH & Co. KG", "AG"],
    "AT": ["GmbH", "Ges.m.b.H."],
    "CH": ["AG", "GmbH"],
    "SE": ["AB"],
    "NO": ["AS"],
    "FI": ["Oy"],
    "PL": ["Sp. z o.o."],
    "NL": ["B.V."],
    "BE": ["NV"],
    "GB": ["Ltd"],
    "US": ["Inc.", "LLC", "Co."],
    "CA": ["Ltd."],
}
TLD = {"DE": "de", "AT": "at", "CH": "ch", "SE": "se", "NO": "no", "FI": "fi", "PL": "pl"}
TLD |= {"NL": "nl", "BE": "be", "GB": "co.uk", "US": "com", "CA": "ca"}
# A new company's name: a family name and a trade in the language of where it is (acme's
# customers across Europe), or an American one (globex); the legal form by country (LEGAL_FORM).
LANGUAGE = {"DE": "de", "AT": "de", "CH": "de", "SE": "nordic", "NO": "nordic", "FI": "nordic"}
LANGUAGE |= {"PL": "pl", "NL": "en", "BE": "en", "GB": "en", "US": "en", "CA": "en"}
TRADES = {
    "acme": {
        "de": _words(
            "Kieswerk|Tiefbau|Steinbruch|Erdbau|Recycling|Forsttechnik|Transporte|Bauunternehmung",
            "|",
        ),
        "nordic": _words("Entreprenad|Maskin|Grus|Anlegg|Skogsteknik|Bygg", "|"),
        "pl": _words("Kruszywa|Budownictwo|Recykling|Transport|Roboty Ziemne", "|"),
        "en": _words("Quarries|Earthworks|Civil Engineering|Plant Hire|Aggregates", "|"),
    },
    "globex": {
        "en": _words(
            "Plastics|Foods|Machining|Castings|Packaging|Brewing|Grain Co-op|Fabrication|"
            "Paper Mill|Dairy",
            "|",
        )
    },
}
FAMILIES = {
    "acme": {
        "de": _words("Ostermann Brandl Hägele Gruber Zeller Kessler Bachmann"),
        "nordic": _words("Lindholm Sørensen Virtanen Åberg Rautio"),
        "pl": _words("Nowak Wiśniewski Kowalczyk"),
        "en": _words("Whitfield Jansen Brennan Ridley"),
    },
    "globex": {
        "en": _words(
            "Kowalczyk Harmon Delacroix Whitfield Jansen Okafor Brennan Lindgren Castillo "
            "Novak Hollister Ridley"
        )
    },
}


def _in_language(words: dict[str, list[str]], country: str) -> list[str]:
    """The words of the country's language, or the first language listed."""
    return words.get(LANGUAGE.get(country, ""), next(iter(words.values())))


FIRST = {
    "acme": _words(
        "Anna Jonas Lea Lukas Sofia Elias Mia Henrik Karin Tomasz Ingrid Matthias Birgit "
        "Olli Agnieszka Stefan Maja Sven"
    ),
    "globex": _words(
        "James Maria David Linda Carlos Ashley Kevin Tamika Brian Heather Luis Megan Tyler Grace"
    ),
}
LAST = {
    "acme": _words(
        "Müller Schmidt Andersson Nieminen Hansen Kowalski Huber Fischer Lindqvist Berg "
        "Novak Keller Weber Olsen Wagner Järvinen"
    ),
    "globex": _words(
        "Johnson Garcia Brown Miller Davis Martinez Wilson Anderson Thompson Moore "
        "Jackson Lee Harris Clark"
    ),
}
FREE_MAIL = {
    "acme": ["gmail.com", "web.de", "gmx.de", "outlook.com", "hotmail.se", "gmx.at", "wp.pl"],
    "globex": ["gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com"],
}
TITLES = [
    "Fleet manager",
    "Plant manager",
    "Head of procurement",
    "Managing director",
    "Maintenance lead",
    "Site manager",
    "Operations director",
    "Buyer",
]
ASKS = {
    "excavators": ("a crawler excavator for a new quarry site", 180000, 420000),
    "loaders": ("two wheel loaders for the gravel yard", 190000, 600000),
    "hydraulics": ("replacement hydraulic pumps and cylinders", 4000, 40000),
    "parts": ("filter kits and wear parts for our fleet", 500, 15000),
    "service": ("a preventive maintenance contract", 10000, 45000),
    "rental": ("renting an excavator for three months", 20000, 60000),
    "screw": ("a 90 kW rotary screw compressor for the new line", 35000, 160000),
    "portable": ("portable compressors for our job sites", 20000, 90000),
    "dryers": ("a refrigerated dryer, our air is too wet", 8000, 30000),
    "aftermarket": ("separator kits and oil for six compressors", 600, 9000),
}
CAMPAIGNS = {
    "acme": ["Webinar: electric compact excavators", "Newsletter: spring service offer"],
    "globex": ["Webinar: cutting compressed-air leaks", "Energy audit offer"],
}
TRADE_SHOW = {"acme": "bauma 2026 badge scans", "globex": "CONEXPO-CON/AGG badge scans"}
DECLINE_REASONS = {
    "partner": [
        "Outside our service area; the site is closer to another dealer.",
        "We do not carry this product line.",
        "No capacity this month, please route elsewhere.",
        "Customer already buys from us through another channel; this is a duplicate request.",
        "Private buyer, not a business customer.",
    ],
    "direct": [
        "Small parts order, better served by a local dealer.",
        "I am on a customer site all week, please give it to someone else.",
        "Not our territory.",
    ],
}
TOUCHES = [
    (Channel.CALL, "Called back, discussed {ask}"),
    (Channel.CALL, "Left a voicemail, will try again tomorrow"),
    (Channel.EMAIL, "Sent brochure and price indication"),
    (Channel.EMAIL, "Asked for site details and usage hours"),
    (Channel.MEETING, "Site visit booked"),
]

# Per assignment: what the assignee does. (plan, weight for partner routes, weight for direct)
PLANS = [
    ("touch", 20, 40),  # calls back quickly
    ("accept_touch", 30, 25),  # accepts, then calls
    ("accept_only", 10, 5),  # accepts and forgets: first-touch breach
    ("decline", 12, 6),  # declines with a reason: re-routed
    ("ignore", 13, 9),  # nothing: breach, escalation, recall
    ("late_touch", 15, 15),  # calls after the accept deadline, before the recall
]


# --- the stream ---------------------------------------------------------------------------------


@dataclass
class Spec:
    number: int
    at: dt.datetime
    kind: str
    fields: dict[str, Any]


@dataclass(order=True)
class _Step:
    at: dt.datetime
    seq: int
    action: str = field(compare=False)
    payload: Any = field(compare=False)


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug, (most, least) in VOLUME.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        count = max(least, round(most * min(scale, 1.0)))
        with tenant_scope(tenant):
            admin = (
                Membership.objects.filter(role=Role.REVOPS_ADMIN, is_active=True)
                .select_related("user")
                .order_by("user__email")
                .first()
            )
            with audit_context(actor=admin.user if admin else None, source="command"):
                _configure(tenant)
                made = _Replay(tenant, admin, count).run()
                earlier = _History(tenant, admin, round(HISTORY[slug] * scale)).run()
                # What the nightly run would have learned from these people by now.
                learned = dedupe_weights.learn_tenant_weights(
                    tenant, acting=SystemActor("demo"), only_if_changed=True
                )
        if stdout is not None:
            stdout.write(
                f"routing: {slug}: {made['leads']} leads replayed ({made['routed']} routed, "
                f"{made['merged']} merged, {made['accepted']} accepted, {made['declined']} "
                f"declined, {made['touches']} touches, {made['breaches']} SLA breaches, "
                f"{made['recalls']} recalls); {earlier} leads of the two years before created; "
                f"duplicate weights {'learned' if learned else 'not learned (too few people)'}"
            )


def _configure(tenant: Tenant) -> None:
    """Policies, calendar, assignees and forms that do not exist yet."""
    slug = tenant.slug
    for (route, priority), values in POLICIES[slug].items():
        accept, touch, remind, recall, recalls = values
        SlaPolicy.objects.get_or_create(
            tenant=tenant,
            route=route,
            priority=priority,
            defaults={
                "accept_minutes": accept,
                "first_touch_minutes": touch,
                "remind_before_minutes": remind,
                "recall_after_minutes": recall,
                "max_recalls": recalls,
            },
        )
    starts, ends = CALENDARS[slug]
    today = timezone.localdate()
    BusinessCalendar.objects.get_or_create(
        tenant=tenant,
        defaults={
            "working_days": [0, 1, 2, 3, 4],
            "day_starts": starts,
            "day_ends": ends,
            "holidays": [d.isoformat() for d in _holidays(slug, today.year)],
        },
    )
    partners = {p.external_id.removeprefix("P-"): p for p in Partner.objects.all()}
    for key, (weight, capacity) in PARTNER_LOAD[slug].items():
        if key in partners:
            Assignee.objects.get_or_create(
                tenant=tenant,
                partner=partners[key],
                defaults={"weight": weight, "capacity": capacity},
            )
    members = {m.user.email: m for m in Membership.objects.select_related("user")}
    for email, (weight, capacity, away) in REP_LOAD[slug].items():
        if email not in members:
            continue
        Assignee.objects.get_or_create(
            tenant=tenant,
            membership=members[email],
            defaults={
                "weight": weight,
                "capacity": capacity,
                "away_from": today + dt.timedelta(days=away[0]) if away else None,
                "away_until": today + dt.timedelta(days=away[1]) if away else None,
            },
        )
    for name, detail, priority, partner in FORMS[slug]:
        LeadForm.objects.get_or_create(
            tenant=tenant,
            name=name,
            defaults={
                "source_detail": detail,
                "priority": priority,
                "partner": partners.get(partner) if partner else None,
                "allowed_origins": [f"https://www.{slug}.example"]
                + ([f"https://www.{partner}.example"] if partner else []),
            },
        )


def _holidays(slug: str, year: int) -> list[dt.date]:
    days: list[dt.date] = []
    for y in (year, year + 1):
        if slug == "acme":  # Germany (federal) and Bavaria
            easter = _easter(y)
            days += [dt.date(y, 1, 1), dt.date(y, 1, 6), dt.date(y, 5, 1), dt.date(y, 10, 3)]
            days += [dt.date(y, 11, 1), dt.date(y, 12, 25), dt.date(y, 12, 26)]
            days += [easter + dt.timedelta(days=d) for d in (-2, 1, 39, 50, 60)]
        else:  # United States
            days += [dt.date(y, 1, 1), dt.date(y, 7, 4), dt.date(y, 12, 25)]
            days += [_nth_weekday(y, 5, 0, -1), _nth_weekday(y, 9, 0, 1)]
            thanksgiving = _nth_weekday(y, 11, 3, 4)
            days += [thanksgiving, thanksgiving + dt.timedelta(days=1)]
    return sorted(days)


def _easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th given weekday of a month (n = -1: the last one)."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


class _Replay:
    """Builds the tenant's stream and replays the part of it that is missing."""

    def __init__(self, tenant: Tenant, admin: Membership | None, count: int) -> None:
        self.tenant, self.admin, self.count = tenant, admin, count
        self.slug = tenant.slug
        self.now = timezone.now()
        self.zone = ZoneInfo(tenant.timezone)
        self.hours = sla.working_time(tenant)
        self.policies = sla.load_policies()
        self.made = dict.fromkeys(
            ("leads", "routed", "merged", "accepted", "declined", "touches", "breaches", "recalls"),
            0,
        )
        self.queue: list[_Step] = []
        self.seq = itertools.count()
        self.attempts: dict[int, int] = {}  # lead id → routing attempt last planned for

    # --- building the stream ----------------------------------------------------------------

    def run(self) -> dict[str, int]:
        have = set(
            Lead.objects.filter(external_id__startswith=f"{PREFIX}-").values_list(
                "external_id", flat=True
            )
        )
        if all(numbered(PREFIX, n) in have for n in range(1, self.count + 1)):
            return self.made
        self._load_people()
        missing = [s for s in self.stream() if numbered(PREFIX, s.number) not in have]
        arrivals: dict[dt.datetime, list[Spec]] = {}
        for spec in missing:
            arrivals.setdefault(spec.at, []).append(spec)
        for at, specs in arrivals.items():
            self.push(at, "arrive", specs)
        for tick in self._ticks(min(s.at for s in missing)):
            self.push(tick, "sweep", None)
        self.first_note = (Notification.objects.aggregate(n=Max("id"))["n"] or 0) + 1
        while self.queue:
            step = heapq.heappop(self.queue)
            getattr(self, f"_{step.action}")(step.at, step.payload)
            self._stamp_notifications(step.at)
        self._finish(missing)
        return self.made

    def stream(self) -> list[Spec]:
        """Every lead of the stream, oldest first, numbered in that order."""
        rng = random.Random(f"routing-demo:{self.slug}:{self.count}")
        start = self.now - dt.timedelta(days=DAYS)
        fresh = max(5, self.count // 20)
        show = max(3, self.count // 15)
        times = [self._working_moment(rng, start) for _ in range(self.count - fresh - show)]
        times += [self.now - dt.timedelta(minutes=rng.randint(3, 300)) for _ in range(fresh)]
        local_show = (start + dt.timedelta(days=3)).astimezone(self.zone)
        show_at = local_show.replace(hour=10, minute=15, second=0, microsecond=0)
        times += [show_at] * show
        times.sort()
        specs: list[Spec] = []
        for number, at in enumerate(times, start=1):
            specs.append(self._spec(number, at, specs, trade_show=at == show_at))
        return specs

    def _ticks(self, start: dt.datetime) -> list[dt.datetime]:
        """When the replay sweeps: every half hour of working time (SLA steps fall due only
        then), and now."""
        ticks, tick = [], start + TICK
        ends = (dt.datetime.combine(start.date(), self.hours.day_ends) + TICK).time()
        while tick < self.now:
            local = tick.astimezone(self.zone)
            if self.hours.is_working_day(local.date()) and (
                self.hours.day_starts <= local.time() <= ends
            ):
                ticks.append(tick)
            tick += TICK
        return [*ticks, self.now]

    def _working_moment(self, rng: random.Random, start: dt.datetime) -> dt.datetime:
        """Mostly working hours on working days, some evenings and weekends."""
        while True:
            day = (start + dt.timedelta(days=rng.uniform(0, DAYS))).astimezone(self.zone).date()
            hour = rng.choices(range(24), weights=[1] * 7 + [6] * 11 + [2] * 4 + [1] * 2)[0]
            if day.weekday() >= 5 and rng.random() < 0.7:
                continue
            at = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=self.zone)
            if start <= at < self.now - dt.timedelta(hours=5):
                return at

    def _spec(self, number: int, at: dt.datetime, earlier: list[Spec], trade_show: bool) -> Spec:
        rng = random.Random(f"routing-demo:{self.slug}:{number}")
        kinds = ["contact", "colleague", "prospect", "freemail", "partner", "expansion", "dup"]
        weights = [22, 14, 22, 10, 9, 6, 17]
        originals = [s for s in earlier[-40:] if s.kind != "dup" and s.at < at]
        kind = rng.choices(kinds, weights)[0]
        if kind == "dup" and (not originals or trade_show):
            kind = "prospect"
        if kind == "partner" and trade_show:
            kind = "contact"
        if kind == "dup":
            return self._delivered(self._duplicate(number, at, rng, rng.choice(originals)))
        spec = Spec(number, at, kind, {})
        spec.fields = self._fields(spec, rng)
        if trade_show:
            spec.fields.update(source=LeadSource.CSV, source_detail=TRADE_SHOW[self.slug])
        return self._delivered(spec)

    def _delivered(self, spec: Spec) -> Spec:
        """When the lead reaches us: forms at once, the marketing system's API sync on the hour,
        a webinar's attendee list at the end of its day (each sync is one batch)."""
        source, local = spec.fields.get("source"), spec.at.astimezone(self.zone)
        if source == LeadSource.API:
            at = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        elif source == LeadSource.CAMPAIGN:
            at = local.replace(hour=17, minute=30, second=0, microsecond=0)
        else:
            return spec
        if spec.at <= at < self.now:
            spec.at = at
        return spec

    # --- turning specs into leads (needs the tenant's accounts and people) -------------------

    def _load_people(self) -> None:
        self.contacts = list(
            Contact.objects.filter(external_id__startswith="DEMO-C-", account__isnull=False)
            .select_related("account")
            .order_by("external_id")[:3000]
        )
        self.domains = list(
            AccountDomain.objects.select_related("account").order_by("account__external_id")[:3000]
        )
        self.accounts = list(
            Account.objects.filter(external_id__startswith="DEMO-A-").order_by("external_id")[:3000]
        )
        self.lines = {
            "acme": ["excavators", "loaders", "hydraulics", "parts", "service", "rental"],
            "globex": ["screw", "portable", "dryers", "aftermarket", "service"],
        }[self.slug]
        members = list(
            Membership.objects.filter(is_active=True).select_related("user", "partner", "team")
        )
        self.members_by_user = {m.user_id: m for m in members}
        self.partner_members: dict[int, list[Membership]] = {}
        for m in sorted(members, key=lambda m: (m.role != Role.PARTNER_REP, m.user.email)):
            if m.partner_id:
                self.partner_members.setdefault(m.partner_id, []).append(m)
        self.team_members: dict[int | None, list[Membership]] = {}
        for m in sorted(members, key=lambda m: (m.role != Role.DIRECT_REP, m.user.email)):
            if m.team_id:
                self.team_members.setdefault(m.team_id, []).append(m)
        self.partners = {p.external_id.removeprefix("P-"): p for p in Partner.objects.all()}
        self.reps = [m for m in members if m.role == Role.DIRECT_REP]

    def _fields(self, spec: Spec, rng: random.Random) -> dict[str, Any]:
        """The lead as it arrives."""
        build = getattr(self, f"_lead_{spec.kind}")
        fields = build(rng)
        if fields is None:  # the accounts demo made nothing of that kind (a tiny --scale)
            fields = self._lead_prospect(rng)
        fields.setdefault("source", LeadSource.WEB_FORM)
        if fields["source"] == LeadSource.WEB_FORM and "source_detail" not in fields:
            fields["source_detail"] = rng.choice(FORMS[self.slug])[1]
        line = rng.choice(self.lines)
        fields.setdefault("product_interest", [line])
        ask, low, high = ASKS.get(fields["product_interest"][0], ASKS[line])
        fields.setdefault("message", f"We are looking at {ask}. Please get in touch.")
        if rng.random() < 0.7:
            fields.setdefault("estimated_amount", Decimal(round(rng.uniform(low, high), -2)))
        amount = fields.get("estimated_amount") or 0
        fields.setdefault(
            "priority",
            Priority.HIGH
            if amount > 250000 or fields.get("source_detail", "").endswith("quote request")
            else Priority.LOW
            if fields["source"] == LeadSource.CAMPAIGN
            else Priority.NORMAL,
        )
        return fields

    def _person(self, rng: random.Random) -> tuple[str, str]:
        return rng.choice(FIRST[self.slug]), rng.choice(LAST[self.slug])

    def _phone(self, rng: random.Random, place: Place, national: bool = False) -> str:
        digits = "".join(str(rng.randint(0, 9)) for _ in range(7))
        if place.dial == "1":
            local = f"{digits[:3]}-{digits[3:]}"
            return f"({place.area}) {local}" if national else f"+1 {place.area} {local}"
        if national:
            return f"0{place.area} {digits}"
        return f"+{place.dial} {place.area} {digits}"

    def _at_place(self, rng: random.Random, place: Place) -> dict[str, Any]:
        return {
            "country": _country_name(place.country),
            "region": place.region if rng.random() < 0.8 else "",
            "city": place.city,
            "postal_code": place.postal,
        }

    def _lead_contact(self, rng: random.Random) -> dict[str, Any] | None:
        """A known contact asks again (same email; the name sometimes misspelt)."""
        if not self.contacts:
            return None
        contact = rng.choice(self.contacts)
        account = cast(Account, contact.account)  # contacts with an account (`_load_people`)
        first, last = contact.first_name, contact.last_name
        if rng.random() < 0.25:
            last = _typo(rng, last)
        source = rng.choice([LeadSource.WEB_FORM, LeadSource.CAMPAIGN, LeadSource.API])
        return {
            "source": source,
            "source_detail": rng.choice(CAMPAIGNS[self.slug])
            if source == LeadSource.CAMPAIGN
            else "Marketing automation"
            if source == LeadSource.API
            else rng.choice(FORMS[self.slug])[1],
            "first_name": first,
            "last_name": last,
            "email": contact.email.upper() if rng.random() < 0.1 else contact.email,
            "title": contact.title,
            "company": account.legal_name or account.name,
            "country": _country_name(account.country),
            "city": account.city,
            "postal_code": account.postal_code,
        }

    def _lead_colleague(self, rng: random.Random) -> dict[str, Any] | None:
        """Someone new at a customer we know (the email's domain is the account's)."""
        if not self.domains:
            return None
        row = rng.choice(self.domains)
        account = row.account
        first, last = self._person(rng)
        return {
            "first_name": first,
            "last_name": last,
            "email": f"{_ascii(first)}.{_ascii(last)}@{row.domain}",
            "title": rng.choice(TITLES),
            "company": account.legal_name or account.name,
            "country": _country_name(account.country),
            "city": account.city,
            "postal_code": account.postal_code,
            "employee_band": account.employee_band,
        }

    def _company(self, rng: random.Random, place: Place) -> tuple[str, str]:
        family = rng.choice(_in_language(FAMILIES[self.slug], place.country))
        trade = rng.choice(_in_language(TRADES[self.slug], place.country))
        legal = rng.choice(LEGAL_FORM[place.country])
        name = f"{family} {trade} {legal}"
        domain = f"{_ascii(family)}-{_ascii(trade).replace(' ', '')}.{TLD[place.country]}"
        return name, domain

    def _lead_prospect(self, rng: random.Random, place: Place | None = None) -> dict[str, Any]:
        """A company we have never heard of."""
        place = place or rng.choice(PLACES[self.slug])
        company, domain = self._company(rng, place)
        first, last = self._person(rng)
        return {
            "source": rng.choice([LeadSource.WEB_FORM, LeadSource.WEB_FORM, LeadSource.API]),
            "first_name": first,
            "last_name": last,
            "email": f"{_ascii(first)[0]}.{_ascii(last)}@{domain}",
            "phone": self._phone(rng, place, national=rng.random() < 0.5),
            "title": rng.choice(TITLES),
            "company": company,
            "website": f"https://www.{domain}" if rng.random() < 0.5 else "",
            "employee_band": rng.choice(["1-49", "50-199", "50-199", "200-499", "500-999", ""]),
            "service_needs": rng.sample(["local_parts", "field_service", "rental", "financing"], 1),
            **self._at_place(rng, place),
        }

    def _lead_freemail(self, rng: random.Random) -> dict[str, Any]:
        """A private mailbox: sometimes a known customer's name in the company field."""
        place = rng.choice(PLACES[self.slug])
        first, last = self._person(rng)
        mailbox = (
            f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@{rng.choice(FREE_MAIL[self.slug])}"
        )
        fields = {
            "source": LeadSource.WEB_FORM,
            "first_name": first,
            "last_name": last,
            "email": mailbox,
            "phone": self._phone(rng, place, national=True) if rng.random() < 0.6 else "",
            "employee_band": "1-49",
            **self._at_place(rng, place),
        }
        if self.accounts and rng.random() < 0.5:
            account = rng.choice(self.accounts)
            fields.update(
                company=account.legal_name or account.name,
                country=_country_name(account.country),
                city=account.city,
                postal_code=account.postal_code,
            )
        elif rng.random() < 0.5:
            fields["company"] = (
                f"{last} {rng.choice(_in_language(TRADES[self.slug], place.country))}"
            )
        return fields

    def _lead_partner(self, rng: random.Random) -> dict[str, Any] | None:
        """A partner user enters a lead in the portal, for a customer in their own area."""
        keyed = [
            (p, self.partners[p.partner])
            for p in PLACES[self.slug]
            if p.partner is not None and p.partner in self.partners
        ]
        if not keyed:
            return None
        place, partner = rng.choice(keyed)
        members = self.partner_members.get(partner.pk)
        if not members:
            return None
        fields = self._lead_prospect(rng, place)
        fields.update(
            source=LeadSource.PORTAL,
            source_detail=f"Entered by {partner.name}",
            submitted_by_partner=partner,
            submitted_by_user=members[0].user,
            message=f"Met them at a customer day; they want {ASKS[rng.choice(self.lines)][0]}.",
        )
        return fields

    def _lead_expansion(self, rng: random.Random) -> dict[str, Any]:
        """A market with no distributor yet."""
        return {
            **self._lead_prospect(rng, rng.choice(EXPANSION[self.slug])),
            "source": LeadSource.API,
            "source_detail": "Marketing automation",
        }

    def _duplicate(self, number: int, at: dt.datetime, rng: random.Random, of: Spec) -> Spec:
        """The same person again, typed differently."""
        fields = {
            k: v
            for k, v in of.fields.items()
            if k not in ("submitted_by_user", "submitted_by_partner", "source_detail")
        }
        first, last = fields.get("first_name", ""), fields.get("last_name", "")
        email, phone = fields.get("email", ""), fields.get("phone", "")
        how = rng.choice(["typo", "swapped", "no_email", "case", "company"])
        if how == "typo":
            last = _typo(rng, last)
        elif how == "swapped":
            first, last = last, first
            email = ""
        elif how == "no_email":
            first = _typo(rng, first)
            email = ""
        elif how == "case":
            email = f"  {email.upper()} "
        else:
            fields["company"] = _drop_legal_form(fields.get("company", ""))
        if phone and rng.random() < 0.5:
            phone = phone.replace(" ", "").replace("-", "")
        fields.update(
            first_name=first,
            last_name=last,
            email=email,
            phone=phone,
            source=rng.choice([LeadSource.WEB_FORM, LeadSource.API]),
            message=rng.choice(
                [
                    "Following up on my request from last week, nobody called yet.",
                    "Second request: please send the price list.",
                    "Sent this already via the website, adding our site address.",
                ]
            ),
        )
        return Spec(number, at, "dup", fields)

    # --- the replay ---------------------------------------------------------------------------

    def push(self, at: dt.datetime, action: str, payload: Any) -> None:
        heapq.heappush(self.queue, _Step(at, next(self.seq), action, payload))

    def _arrive(self, at: dt.datetime, specs: list[Spec]) -> None:
        ids = []
        for spec in specs:
            lead = Lead.objects.create(
                tenant=self.tenant, external_id=numbered(PREFIX, spec.number), **spec.fields
            )
            ids.append(lead.pk)
        Lead.objects.filter(pk__in=ids).update(created_at=at, updated_at=at)
        services.process_batch(self.tenant, ids, acting=SEEDING, now=at)
        for lead in Lead.objects.filter(pk__in=ids):
            self._plan(lead, at)

    def _plan(self, lead: Lead, at: dt.datetime) -> None:
        """What the current assignee will do, from now on."""
        if self.attempts.get(lead.pk) == lead.routing_attempts:
            return
        self.attempts[lead.pk] = lead.routing_attempts
        rng = random.Random(f"routing-demo:{lead.external_id}:{lead.routing_attempts}")
        if lead.status == LeadStatus.UNROUTABLE:
            if self.reps and rng.random() < 0.75:  # an admin picks it up from the queue
                self._later(lead, at, rng.randint(30, 300), ["reassign"])
            return
        if lead.status != LeadStatus.ROUTED:
            return
        partner = lead.route == "partner"
        names = [p[0] for p in PLANS]
        weights = [p[1] if partner else p[2] for p in PLANS]
        if lead.routing_attempts >= 3:  # the third taker gets on with it
            weights = [
                w if n in ("touch", "accept_touch") else 0
                for n, w in zip(names, weights, strict=True)
            ]
        plan = rng.choices(names, weights)[0]
        policy = sla.policy_for(lead.route, lead.priority, self.policies)
        if plan == "touch":
            self._later(lead, at, rng.randint(5, max(6, policy.accept_minutes - 5)), ["touch"])
        elif plan == "accept_touch":
            accept = rng.randint(5, max(6, policy.accept_minutes - 5))
            self._later(lead, at, accept, [("accept", 0), ("touch", rng.randint(20, 300))])
        elif plan == "accept_only":
            self._later(lead, at, rng.randint(10, max(11, policy.accept_minutes)), ["accept"])
        elif plan == "decline":
            self._later(lead, at, rng.randint(10, max(11, policy.accept_minutes)), ["decline"])
        elif plan == "late_touch":
            late = policy.accept_minutes + int(rng.uniform(0.2, 0.8) * policy.recall_after_minutes)
            self._later(lead, at, late, ["touch"])

    def _later(self, lead: Lead, at: dt.datetime, minutes: int, steps: list) -> None:
        when = add_business_minutes(self.hours, at, minutes)
        if when < self.now:
            self.push(when, "act", (lead.pk, lead.routing_attempts, steps))

    def _act(self, at: dt.datetime, payload: tuple[int, int, list]) -> None:
        lead_id, attempt, steps = payload
        lead = Lead.objects.select_related("account").get(pk=lead_id)
        if lead.routing_attempts != attempt:
            return  # declined or recalled in the meantime: the new assignee has a plan
        step, rest = steps[0], steps[1:]
        action = step[0] if isinstance(step, tuple) else step
        rng = random.Random(f"routing-demo:{lead.external_id}:{attempt}:{action}")
        try:
            self._do(action, lead, at, rng)
        except (ValidationError, PermissionDenied):
            return  # the service said no (a full inbox, a lead that moved on): people move on
        lead.refresh_from_db()
        self._plan(lead, at)
        if rest and lead.routing_attempts == attempt and lead.status in OPEN:
            self._later(lead, at, rest[0][1], rest)

    def _do(self, action: str, lead: Lead, at: dt.datetime, rng: random.Random) -> None:
        if action == "reassign":
            if lead.status == LeadStatus.UNROUTABLE and self.admin is not None:
                rep = rng.choice(self.reps)
                services.reassign_lead(lead, acting=self.admin, user=rep.user, now=at)
            return
        member = self._assignee(lead, rng) if lead.status in OPEN else None
        if member is None:
            return
        if action == "accept" and lead.status == LeadStatus.ROUTED:
            services.accept_lead(lead, acting=member, now=at)
        elif action == "decline":
            reasons = DECLINE_REASONS["partner" if lead.assigned_partner_id else "direct"]
            services.reject_lead(lead, acting=member, reason=rng.choice(reasons), now=at)
        elif action == "touch":
            channel, subject = rng.choice(TOUCHES)
            ask = ASKS.get((lead.product_interest or [""])[0], ("your request",))[0]
            services.log_touch(
                lead,
                acting=member,
                channel=channel,
                subject=subject.format(ask=ask),
                occurred_at=at,
            )
            # The clocks stopped when the touch happened, not when the demo was seeded.
            SlaTimer.objects.filter(lead=lead, stopped_at__gt=at).update(stopped_at=at)

    def _assignee(self, lead: Lead, rng: random.Random) -> Membership | None:
        if lead.assigned_partner_id:
            members = self.partner_members.get(lead.assigned_partner_id) or []
            return rng.choice(members) if members else None
        if lead.assigned_user_id:
            return self.members_by_user.get(lead.assigned_user_id)
        members = self.team_members.get(lead.assigned_team_id) or []
        return members[0] if members else self.admin

    def _sweep(self, at: dt.datetime, _: Any) -> None:
        if not services.sweep_timers(self.tenant, acting=SEEDING, now=at, limit=5000):
            return
        for lead in Lead.objects.filter(
            pk__in=list(self.attempts), status__in=[LeadStatus.ROUTED, LeadStatus.UNROUTABLE]
        ).only("id", "external_id", "status", "route", "priority", "routing_attempts"):
            self._plan(lead, at)  # recalled and routed again

    def _stamp_notifications(self, at: dt.datetime) -> None:
        """Notifications written during a replayed step carry its time; seeding emails nobody."""
        Notification.objects.filter(id__gte=self.first_note, emailed_at__isnull=True).update(
            created_at=at, emailed_at=at
        )

    def _finish(self, specs: list[Spec]) -> None:
        """Older notifications have been read by now; count what the replay made."""
        ours = Lead.objects.filter(external_id__in=[numbered(PREFIX, s.number) for s in specs])
        Notification.objects.filter(
            lead__in=ours, read_at__isnull=True, created_at__lt=self.now - dt.timedelta(days=2)
        ).update(read_at=F("created_at") + dt.timedelta(hours=2))
        kinds = dict(
            LeadEvent.objects.filter(lead__in=ours)
            .values_list("kind")
            .annotate(n=Count("id"))
            .values_list("kind", "n")
        )
        self.made.update(
            leads=ours.count(),
            routed=kinds.get(EventKind.ROUTED, 0),
            merged=ours.filter(status=LeadStatus.MERGED).count(),
            accepted=kinds.get(EventKind.ACCEPTED, 0),
            declined=kinds.get(EventKind.REJECTED, 0),
            touches=kinds.get(EventKind.TOUCHED, 0),
            breaches=kinds.get(EventKind.BREACHED, 0),
            recalls=kinds.get(EventKind.RECALLED, 0),
        )


class _History:
    """Two years of leads before the replay, written as the engine and the people would have left
    them (see the module's docstring). Numbered oldest first; only missing numbers are made."""

    def __init__(self, tenant: Tenant, admin: Membership | None, count: int) -> None:
        self.tenant, self.count, self.slug = tenant, count, tenant.slug
        self.replay = _Replay(tenant, admin, 0)  # its lead builders
        self.now = self.replay.now
        self.zone = self.replay.zone
        self.end = self.now - dt.timedelta(days=DAYS + 1)

    def run(self) -> int:
        have = set(
            Lead.objects.filter(external_id__startswith=f"{HISTORY_PREFIX}-").values_list(
                "external_id", flat=True
            )
        )
        missing = [n for n in range(1, self.count + 1) if numbered(HISTORY_PREFIX, n) not in have]
        if not missing:
            return 0
        self._load()
        made = 0
        for start in range(0, len(missing), 1000):
            made += self._write(missing[start : start + 1000])
        return made

    def _load(self) -> None:
        replay = self.replay
        replay._load_people()
        self.hours = replay.hours
        self.matcher = TerritoryMatcher.for_tenant()
        self.by_email = {c.email.lower(): c for c in replay.contacts}
        self.by_domain = {d.domain: d.account for d in replay.domains}
        self.partner_keys = {p.pk: key for key, p in replay.partners.items()}
        self.places = {place.city: place for place in PLACES[self.slug]}
        self.direct = sorted(
            (m for m in replay.members_by_user.values() if m.team_id and not m.partner_id),
            key=lambda m: (m.role != Role.DIRECT_REP, m.user.email),
        )
        # Leads arrive in time order: their moments are drawn once, for every number.
        rng = random.Random(f"routing-history:{self.slug}:{self.count}")
        self.times = sorted(self._moment(rng) for _ in range(self.count))

    def _moment(self, rng: random.Random) -> dt.datetime:
        """More leads lately and by the season; mostly in working hours on working days."""
        season = SEASON.get(self.slug, SEASON["acme"])
        span = HISTORY_DAYS - DAYS - 1
        while True:
            back = rng.uniform(0, span)
            day = (self.end - dt.timedelta(days=back)).astimezone(self.zone).date()
            growth = 0.6 + 0.4 * (1 - back / span)
            if rng.random() * max(season) > growth * season[day.month - 1]:
                continue
            if day.weekday() >= 5 and rng.random() < 0.8:
                continue
            hour = rng.choices(range(24), weights=[1] * 7 + [6] * 11 + [2] * 4 + [1] * 2)[0]
            return dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=self.zone)

    # --- one lead -----------------------------------------------------------------------------

    def _lead(self, number: int) -> tuple[Lead, dict[str, Any]]:
        """The lead as the engine left it, and what happened to it."""
        rng = random.Random(f"routing-history:{self.slug}:{number}")
        at = self.times[number - 1]
        kind = rng.choices(["contact", "colleague", "prospect", "partner"], [35, 20, 35, 10])[0]
        fields = self.replay._fields(Spec(number, at, kind, {}), rng)
        place = self.places.get(fields.get("city", ""))
        lead = Lead(tenant=self.tenant, external_id=numbered(HISTORY_PREFIX, number), **fields)
        normalise_lead(lead)
        contact = self.by_email.get(lead.email_key)
        account = contact.account if contact else self.by_domain.get(lead.domain)
        lead.contact_id = contact.pk if contact else None
        lead.account_id = account.pk if account else None
        lead.territory = self.matcher.primary(
            lead.country_code, lead.region_code, normalize_postal(lead.postal_code)
        )
        # Where the engine sent it: the partner who brought it, the account's owner, the
        # place's distributor, else a direct rep.
        partner_id = lead.submitted_by_partner_id or (account.owner_partner_id if account else None)
        if partner_id is None and account is None and place and place.partner:
            found = self.replay.partners.get(place.partner)
            partner_id = found.pk if found else None
        assigned = at + dt.timedelta(minutes=rng.randint(1, 6))
        lead.status, lead.assigned_at, lead.processed_at = LeadStatus.WORKING, assigned, assigned
        lead.enriched_at, lead.routing_attempts = assigned, 1
        if partner_id:
            lead.route, lead.assigned_partner_id = "partner", partner_id
            who = self.partner_keys.get(partner_id, "")
            why = "Sent to the distributor that brought it or covers the account"
        else:
            owner = account.owner_user_id if account and account.owner_user_id else None
            rep = self.replay.members_by_user.get(owner) if owner else None
            if rep is None and self.direct:
                rep = self.direct[number % len(self.direct)]
            lead.route = "direct"
            lead.assigned_user_id = rep.user_id if rep else None
            lead.assigned_team_id = rep.team_id if rep else None
            who = "direct"
            why = "Sent to the account's owner" if owner else "Sent to the direct team"
        lead.decision = {"rationale": why, "outcome": lead.route}
        return lead, self._worked(lead, at, who, rng)

    def _worked(self, lead: Lead, at: dt.datetime, who: str, rng: random.Random) -> dict[str, Any]:
        """The first touch, in time or late (as `who` keeps the SLA at that time), or none; then
        the lead converted or disqualified (still being worked when recent)."""
        policy = sla.policy_for(lead.route, lead.priority, self.replay.policies)
        assigned = lead.assigned_at
        assert assigned is not None
        due = add_business_minutes(self.hours, assigned, policy.first_touch_minutes)
        early, late = SLA_KEPT[self.slug].get(who, SLA_KEPT[self.slug]["direct"])
        age = 1 - (self.end - at).total_seconds() / ((HISTORY_DAYS - DAYS) * 86400)
        kept = early + (late - early) * max(0.0, min(1.0, age))
        touch = None
        if rng.random() < kept:
            minutes = policy.first_touch_minutes * rng.uniform(0.05, 0.95)
            touch = add_business_minutes(self.hours, assigned, minutes)
        elif rng.random() < 0.85:
            minutes = policy.first_touch_minutes * rng.uniform(1.15, 5)
            touch = add_business_minutes(self.hours, assigned, minutes)
        if touch is not None:
            lead.first_touch_at = touch
            lead.speed_to_lead_seconds = max(0, int((touch - at).total_seconds()))
            lead.accepted_at = touch
            lead.sla_met = touch <= due
        else:
            lead.sla_met = False
        recent = self.end - at < dt.timedelta(days=45)
        if touch is None:
            lead.status = LeadStatus.DISQUALIFIED
        elif not (recent and rng.random() < 0.5):
            lead.status = LeadStatus.CONVERTED if rng.random() < 0.35 else LeadStatus.DISQUALIFIED
        return {"at": at, "due": due, "touch": touch, "channel": rng.choice(TOUCHES)}

    # --- writing -----------------------------------------------------------------------------

    def _write(self, numbers: list[int]) -> int:
        with transaction.atomic():
            sequence = change_sequence()
            built = [self._lead(n) for n in numbers]
            leads = [lead for lead, _ in built]
            for lead in leads:
                lead.sync_seq = sequence
            Lead.objects.bulk_create(leads)
            backdate(Lead, [(lead.pk, story["at"]) for lead, story in built])
            touches, events = [], []
            for lead, story in built:
                touches.extend(self._touch(lead, story, sequence))
                events.extend(self._events(lead, story))
            Touch.objects.bulk_create(touches)
            LeadEvent.objects.bulk_create(events)
        return len(leads)

    def _actor(self, lead: Lead) -> dict[str, Any]:
        if lead.assigned_partner_id:
            members = self.replay.partner_members.get(lead.assigned_partner_id) or []
            user = members[0].user_id if members else None
            return {"actor_partner_id": lead.assigned_partner_id, "actor_user_id": user}
        return {"actor_user_id": lead.assigned_user_id, "actor_team_id": lead.assigned_team_id}

    def _touch(self, lead: Lead, story: dict[str, Any], sequence: int) -> list[Touch]:
        if story["touch"] is None:
            return []
        channel, subject = story["channel"]
        ask = ASKS.get((lead.product_interest or [""])[0], ("your request",))[0]
        return [
            Touch(
                tenant=self.tenant,
                lead=lead,
                account_id=lead.account_id,
                contact_id=lead.contact_id,
                channel=channel,
                route=TouchRoute.PARTNER if lead.assigned_partner_id else TouchRoute.DIRECT,
                occurred_at=story["touch"],
                subject=subject.format(ask=ask)[:300],
                sync_seq=sequence,
                **self._actor(lead),
            )
        ]

    def _events(self, lead: Lead, story: dict[str, Any]) -> list[LeadEvent]:
        actor = self._actor(lead)
        routed_to = {"actor_partner_id": lead.assigned_partner_id}
        rows: list[tuple[str, dt.datetime | None, str, dict[str, Any]]] = [
            (EventKind.RECEIVED, story["at"], f"From {lead.get_source_display().lower()}", {}),
            (EventKind.ROUTED, lead.assigned_at, lead.decision["rationale"], routed_to),
        ]
        if not lead.sla_met:
            rows.append((EventKind.BREACHED, story["due"], "Time to first touch missed", {}))
        if story["touch"] is not None:
            channel, subject = story["channel"]
            rows.append((EventKind.TOUCHED, story["touch"], f"{channel.label}: {subject}", actor))
        return [
            LeadEvent(
                tenant=self.tenant,
                lead=lead,
                kind=kind,
                occurred_at=when,
                route=lead.route,
                actor_partner_id=who.get("actor_partner_id"),
                actor_user_id=who.get("actor_user_id"),
                detail=detail[:500],
            )
            for kind, when, detail, who in rows
            if when is not None and when < self.now
        ]


# --- text helpers -------------------------------------------------------------------------------

_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "å": "a", "ø": "o", "æ": "ae", "é": "e"}
    | {"ś": "s", "ł": "l", "ó": "o", "ą": "a", "ę": "e", "ń": "n", "ż": "z", "Å": "A", "Ø": "O"}
)


def _ascii(text: str) -> str:
    return text.lower().translate(_ASCII).replace(" ", "-")


def _typo(rng: random.Random, text: str) -> str:
    """One slip of the keyboard inside the word: a swap, a dropped or a doubled letter."""
    if len(text) < 4:
        return text
    i = rng.randint(1, len(text) - 3)
    how = rng.choice(["swap", "drop", "double"])
    if how == "swap":
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if how == "drop":
        return text[:i] + text[i + 1 :]
    return text[: i + 1] + text[i] + text[i + 1 :]


def _drop_legal_form(company: str) -> str:
    for forms in LEGAL_FORM.values():
        for form in forms:
            if company.endswith(f" {form}"):
                return company.removesuffix(f" {form}")
    return company
