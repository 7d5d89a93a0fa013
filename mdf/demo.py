"""Demo market development funds for acme and globex: a year of budgets, allocations, accruals,
requests and claims in every state, so every MDF page, queue and SLA figure has something to show.

Per tenant: a budget for each of the last four fiscal quarters and the current one, set three
weeks before the quarter starts, with fixed allocations to the most active partners and an
accrual (a rate of last quarter's won revenue, capped) for one or two. Each past quarter holds the
history of its partners' requests (approved, claimed with proof and paid; approved and claimed in
part; rejected; returned and answered; withdrawn; never claimed and so expired). The current
weeks hold one of every state a person acts on: a draft, fresh and overdue submissions, a request
returned for information, approvals in full and in part, a rejection, a withdrawal, and claims
drafted with proof missing, submitted (one past the manufacturer's clock), returned, approved in
part or in full and waiting for payment, rejected, and paid with a reference. The partner of the
partner demo login (Nordic, in acme) plays the main part.

Everything goes through `mdf.services` in time order, each step with the `now=` of when it
happened, acting as the people who would act (the partner's admin files, the RevOps admin
decides; a partner without an admin login files through the demo seeding). Between the steps the
MDF sweep runs at each moment a clock or a quarter end fell due, as the periodic sweep would have:
late decisions breach and escalate, unclaimed approvals expire, and each quarter closes at its
end, carrying its unused funds over (acme) or letting them expire (globex). So the ledger is the
one the services write, and every balance rebuilds from its entries.

Requests carry external ids (DEMO-MDF-n, their claims DEMO-MDF-C-n); a tenant that has them was
seeded before and is left alone, so seeding again adds nothing. Dates are relative to the day of
seeding; a step that would lie in the future is not taken (its story stops where it is now).
`--scale` does not change MDF: a year of funds is a few dozen requests per partner at any scale.
"""

from __future__ import annotations

import datetime as dt
import heapq
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Account
from campaigns.demo import png_of
from campaigns.models import Campaign, Offer
from core.acting import SystemActor
from core.audit import audit_context
from core.tenancy import tenant_scope
from mdf.choices import ClaimState, ClockState, UnusedFunds
from mdf.models import (
    Allocation,
    FundBalance,
    FundClaim,
    FundRequest,
    MdfBudget,
    MdfClock,
    MdfEvent,
    ProofFile,
)
from mdf.services import budgets, claims, reallocation, requests
from mdf.services.settings import update_settings
from mdf.services.state import TransitionRefused
from mdf.services.sweep import sweep_balances, sweep_clocks
from mdf.tasks import SWEEP
from pipeline.choices import Outcome, Route, Source
from pipeline.models import Opportunity, Stage
from routing.models import Notification
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership, Partner, Tenant
from tenancy.quarters import Quarter

__all__ = ["PLANS", "PREFIX", "seed"]

PREFIX = "DEMO-MDF"
# Won revenue per unit paid that a partner's paid activities bring (mdf.demo._Seeder._results):
# high at Nordic and Great Lakes, low at Alpine and Gulf Coast, none at Rhein and Prairie.
RETURNS = {
    "nordic": Decimal(8),
    "greatlakes": Decimal(6),
    "alpine": Decimal(2),
    "gulfcoast": Decimal("1.5"),
}
SEEDING = SystemActor("demo seeding")
HUNDRED = Decimal(100)
READ_AFTER = dt.timedelta(days=14)  # notifications older than this were read long ago


@dataclass(frozen=True)
class Plan:
    """A tenant's funds: the quarterly budget, fixed allocations and accruals (rate in percent
    of the previous quarter's won revenue, and a cap) by partner key, who plays the main, second
    and third partner of the stories, what happens to unused funds at quarter end, and the
    stories: those of the last four quarters (oldest first) and of the current weeks, by part."""

    budget: int
    fixed: dict[str, int]
    accruals: dict[str, tuple[str, int]]
    cast: tuple[str, str, str]
    unused: str
    history: dict[str, tuple[tuple[Story, ...], ...]]
    current: dict[str, tuple[Story, ...]]


# The stories' amounts by the partner's part: the second and third are smaller distributors.
SIZE = {"main": Decimal("1"), "second": Decimal("0.6"), "third": Decimal("0.2")}


# --- the stories -------------------------------------------------------------------------------

# When a step happens: (day, hour) from the story's anchor (a past quarter's first day, or today
# for the current stories), or ("ago", hours) before the moment of seeding.
When = tuple[Any, int]


@dataclass(frozen=True)
class Story:
    """One request's life. `runs`: the activity's first and last day from the anchor. Steps are
    (action, when, options): create, submit, approve {part, reason}, reject/return/withdraw
    {reason}, claim {spent: share of the total cost, proofs: the types filed}, claim_proof
    {proofs}, claim_submit, claim_approve {part, reason}, claim_reject/claim_return {reason},
    pay."""

    title: str
    activity: str
    runs: tuple[int, int]
    cost: int
    asked: int
    steps: tuple[tuple[str, When, dict[str, Any]], ...]
    campaign: int | None = None
    offer: int | None = None
    leads: int = 0


def s(action: str, day: Any, hour: int = 10, **options: Any) -> tuple[str, When, dict[str, Any]]:
    return (action, (day, hour), options)


# A past quarter (anchor: its first day).
EVENT = Story(
    "{Season} customer open day",
    "event",
    (18, 18),
    16_000,
    6_000,
    (
        s("create", 2, 10),
        s("submit", 3, 9),
        s("approve", 4, 11),
        s("claim", 24, 10, spent="0.96"),
        s("claim_submit", 24, 11),
        s("claim_approve", 27, 15),
        s("pay", 36, 10),
    ),
    campaign=3,
    offer=3,
    leads=25,
)
ADS = Story(
    "{Season} search ads: uptime",
    "digital_ads",
    (10, 55),
    9_000,
    4_500,
    (
        s("create", 5, 9),
        s("submit", 5, 10),
        s(
            "approve",
            6,
            14,
            part="0.7",
            reason="Approved for six weeks, not eight: the manufacturer's own search campaign "
            "covers the rest of the period.",
        ),
        s("claim", 58, 10, spent="0.75"),
        s("claim_submit", 58, 11),
        s(
            "claim_approve",
            62,
            10,
            part="0.85",
            reason="One invoice is for brand search outside the approved keywords; approved "
            "without it.",
        ),
        s("pay", 71, 9),
    ),
    campaign=2,
    offer=2,
    leads=40,
)
TRADE = Story(
    "{Season} regional trade fair booth",
    "trade_show",
    (40, 42),
    22_000,
    9_000,
    (
        s("create", 3, 9),
        s("submit", 4, 9),
        # Decided a week later: past the manufacturer's clock, which the sweep escalated.
        s(
            "reject",
            12,
            11,
            reason="Trade fairs are booked centrally this year and your booth is part of ours: "
            "join us on the manufacturer's stand.",
        ),
    ),
)
TRAIN = Story(
    "Operator training days, {season}",
    "training",
    (40, 41),
    6_000,
    2_500,
    (
        s("create", 13, 9),
        s("submit", 13, 10),
        s("return", 14, 16, reason="Add the agenda and the expected number of attendees, please."),
        s("submit", 16, 11),
        s("approve", 17, 10),
        s("claim", 46, 9),
        s("claim_submit", 46, 10),
        s(
            "claim_return",
            48,
            15,
            reason="The attendee list has no company names; add them and send it again.",
        ),
        s("claim_proof", 50, 10, proofs=["attendee_list"]),
        s("claim_submit", 50, 11),
        s("claim_approve", 52, 14),
        s("pay", 61, 10),
    ),
    offer=4,
    leads=8,
)
COOP = Story(
    "Co-op print ads in the {season} trade press",
    "co_op",
    (20, 30),
    7_000,
    3_000,
    # Never claimed: the claim window closes two months after the ads ran and it expires.
    (s("create", 8, 9), s("submit", 8, 10), s("approve", 9, 15)),
    campaign=4,
    offer=4,
)
DEMO = Story(
    "Demo machine for the {season} yard days",
    "demo_equipment",
    (30, 60),
    10_000,
    4_000,
    (
        s("create", 10, 9),
        s("submit", 10, 10),
        s("approve", 11, 11),
        s("claim", 64, 10, spent="1"),
        s("claim_submit", 64, 11),
        s(
            "claim_reject",
            69,
            14,
            reason="The invoice is for a machine bought for resale, not for demonstration; "
            "resale stock is not MDF.",
        ),
    ),
    offer=3,
)
GOLF = Story(
    "Golf day with key customers, {season}",
    "event",
    (50, 50),
    8_000,
    3_500,
    (
        s("create", 19, 9),
        s("submit", 20, 10),
        s("approve", 21, 9),
        s("withdraw", 40, 16, reason="The customer day was cancelled: the venue fell through."),
    ),
)

# The current weeks (anchor: today; days before it are negative).
DRAFT = Story(
    "Winter service clinic",
    "event",
    (20, 20),
    9_000,
    4_000,
    (s("create", -2, 14),),
    campaign=3,
    offer=3,
)
FRESH = Story(
    "Spring catalogue mailing",
    "co_op",
    (30, 45),
    7_000,
    3_000,
    (s("create", -1, 10), ("submit", ("ago", 3), {})),
    campaign=4,
    offer=4,
)
OVERDUE = Story(
    "Rental fleet open house",
    "event",
    (25, 26),
    12_000,
    5_000,
    (s("create", -10, 9), s("submit", -9, 10)),
)
RETURNED = Story(
    "LinkedIn campaign: predictive maintenance",
    "digital_ads",
    (14, 44),
    8_000,
    3_500,
    (
        s("create", -6, 9),
        s("submit", -5, 11),
        s(
            "return",
            -3,
            15,
            reason="Which audiences will you target, and how many impressions do you expect? "
            "Add both to the description.",
        ),
    ),
    campaign=2,
    offer=2,
)
APPROVED = Story(
    "Dealer demo day",
    "demo_equipment",
    (9, 10),
    11_000,
    4_500,
    (s("create", -9, 9), s("submit", -8, 10), s("approve", -7, 15)),
    offer=3,
)
PARTIAL = Story(
    "Trade fair: AgriTech North",
    "trade_show",
    (18, 20),
    16_000,
    6_000,
    (
        s("create", -15, 9),
        s("submit", -14, 9),
        s(
            "approve",
            -12,
            11,
            part="0.6",
            reason="Approved for the booth and the stand build; travel and hotels are the "
            "partner's own cost.",
        ),
    ),
)
REJECTED = Story(
    "Sponsorship: local football club",
    "other",
    (35, 120),
    6_000,
    2_500,
    (
        s("create", -11, 8),
        s("submit", -11, 9),
        s(
            "reject",
            -10,
            16,
            reason="Sponsorships without a product presence are not market development; see "
            "the programme guide, section 3.",
        ),
    ),
)
WITHDRAWN = Story(
    "Customer golf day",
    "event",
    (40, 40),
    7_000,
    3_000,
    (
        s("create", -15, 11),
        s("submit", -14, 14),
        s(
            "withdraw",
            -12,
            10,
            reason="We are combining it with the open house; a new request follows.",
        ),
    ),
)
CLAIM_DRAFT = Story(
    "Autumn field demo",
    "event",
    (-24, -23),
    10_000,
    4_000,
    (
        s("create", -37, 9),
        s("submit", -36, 10),
        s("approve", -35, 14),
        # Only the invoice so far: the photos and the attendee list are missing.
        s("claim", -2, 11, proofs=["invoice"]),
    ),
    campaign=3,
    offer=3,
    leads=30,
)
CLAIM_SUBMITTED = Story(
    "Search ads: service plans",
    "digital_ads",
    (-40, -10),
    7_000,
    3_000,
    (
        s("create", -46, 9),
        s("submit", -45, 10),
        s("approve", -44, 11),
        s("claim", -3, 9),
        s("claim_submit", -3, 10),
    ),
    campaign=2,
    offer=2,
)
CLAIM_OVERDUE = Story(
    "Service week mailing",
    "co_op",
    (-30, -20),
    6_000,
    2_500,
    (
        s("create", -39, 9),
        s("submit", -38, 10),
        s("approve", -37, 11),
        s("claim", -12, 10),
        s("claim_submit", -12, 11),
    ),
    campaign=4,
    offer=4,
)
CLAIM_RETURNED = Story(
    "Operator training: winter operation",
    "training",
    (-21, -20),
    5_000,
    2_000,
    (
        s("create", -31, 9),
        s("submit", -30, 10),
        s("approve", -29, 14),
        s("claim", -9, 10),
        s("claim_submit", -9, 11),
        s(
            "claim_return",
            -5,
            15,
            reason="The invoice is addressed to another company; send the one made out to you.",
        ),
    ),
    offer=4,
)
CLAIM_PART = Story(
    "Harvest show stand",
    "trade_show",
    (-35, -33),
    15_000,
    6_000,
    (
        s("create", -51, 9),
        s("submit", -50, 10),
        s("approve", -48, 11),
        s("claim", -14, 10, spent="0.9"),
        s("claim_submit", -14, 11),
        s(
            "claim_approve",
            -4,
            11,
            part="0.85",
            reason="Catering for your own staff is not covered; approved without it.",
        ),
    ),
)
CLAIM_OWED = Story(
    "Open house: the new compressor range",
    "event",
    (-45, -44),
    12_000,
    5_000,
    (
        s("create", -62, 9),
        s("submit", -61, 10),
        s("approve", -60, 11),
        s("claim", -28, 10),
        s("claim_submit", -28, 11),
        # Approved in full; the payment is late (the manufacturer's clock ran out).
        s("claim_approve", -24, 14),
    ),
    campaign=3,
    offer=3,
    leads=20,
)
CLAIM_REJECTED = Story(
    "Radio spots",
    "co_op",
    (-40, -26),
    7_000,
    3_000,
    (
        s("create", -55, 9),
        s("submit", -54, 10),
        s("approve", -53, 15),
        s("claim", -20, 10),
        s("claim_submit", -20, 11),
        s(
            "claim_reject",
            -16,
            14,
            reason="The spots do not name {brand}; co-op advertising needs the brand in the ad.",
        ),
    ),
)
CLAIM_PAID = Story(
    "Webinar: fleet uptime",
    "digital_ads",
    (-45, -45),
    5_000,
    2_500,
    (
        s("create", -61, 9),
        s("submit", -60, 10),
        s("approve", -59, 11),
        s("claim", -30, 10),
        s("claim_submit", -30, 11),
        s("claim_approve", -26, 14),
        s("pay", -19, 10),
    ),
    campaign=2,
    offer=2,
    leads=12,
)

PLANS: dict[str, Plan] = {
    # The partner demo login's manufacturer: the full year, every state for its main partner.
    "acme": Plan(
        budget=40_000,
        fixed={"nordic": 20_000, "rhein": 4_000, "alpine": 3_000},
        accruals={"rhein": ("1.00", 6_000), "baltic": ("2.00", 5_000)},
        cast=("nordic", "rhein", "alpine"),
        unused=UnusedFunds.CARRY_OVER,
        history={
            "main": (
                (EVENT, ADS, TRADE),
                (EVENT, COOP, GOLF),
                (EVENT, ADS, DEMO, COOP),
                (EVENT, TRAIN),
            ),
            "second": ((EVENT,), (TRAIN,), (ADS,), (EVENT,)),
            "third": ((), (), (), (ADS,)),
        },
        current={
            "main": (
                DRAFT,
                FRESH,
                OVERDUE,
                RETURNED,
                APPROVED,
                PARTIAL,
                REJECTED,
                WITHDRAWN,
                CLAIM_DRAFT,
                CLAIM_SUBMITTED,
                CLAIM_OVERDUE,
                CLAIM_RETURNED,
                CLAIM_PART,
                CLAIM_OWED,
                CLAIM_REJECTED,
                CLAIM_PAID,
            ),
            "second": (OVERDUE, CLAIM_OWED, CLAIM_PAID),
            "third": (DRAFT,),
        },
    ),
    # A lighter year (seeding time), every state still, and funds that expire at quarter end.
    "globex": Plan(
        budget=45_000,
        fixed={"greatlakes": 30_000, "gulfcoast": 8_000},
        accruals={"prairie": ("3.00", 4_000)},
        cast=("greatlakes", "gulfcoast", "prairie"),
        unused=UnusedFunds.EXPIRE,
        history={
            "main": ((EVENT,), (ADS, COOP), (EVENT, DEMO), (TRAIN,)),
            "second": ((), (EVENT,), (), (ADS,)),
            "third": ((), (), (), ()),
        },
        current={
            "main": (
                DRAFT,
                OVERDUE,
                FRESH,  # with OVERDUE, more asked than Great Lakes has: reallocation's target
                RETURNED,
                APPROVED,
                REJECTED,
                WITHDRAWN,
                CLAIM_DRAFT,
                CLAIM_SUBMITTED,
                CLAIM_RETURNED,
                CLAIM_PART,
                CLAIM_REJECTED,
                CLAIM_PAID,
            ),
            "second": (FRESH, CLAIM_OWED),
            "third": (),
        },
    ),
}

DESCRIPTIONS = {
    "event": "A day at our site for customers and prospects: demonstrations, service talks and a "
    "lunch. Invitations go to our customer list and the campaign's targets.",
    "trade_show": "A booth at the regional fair with two machines on show and our sales team "
    "on the stand all days.",
    "digital_ads": "Paid search and social ads in our region pointing to the co-branded offer "
    "page; weekly reporting of clicks and form fills.",
    "co_op": "Ads in the regional trade press and a mailing to our customer base, with the "
    "manufacturer's brand and the offer.",
    "training": "Hands-on operator training for customers' staff at our workshop.",
    "demo_equipment": "A demonstration machine kept at our yard for customer trials.",
    "other": "A local sponsorship with our name and the product range on site.",
}
RESULTS = "{leads} leads from the activity, {quotes} of them asked for a quote; photos attached."


# --- proof files -------------------------------------------------------------------------------


def pdf_of(*lines: str) -> bytes:
    """A one-page PDF showing `lines` (Helvetica): a real document, a few hundred bytes."""

    def text(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = " ".join(f"({text(line)}) '" for line in lines)
    stream = f"BT /F1 11 Tf 56 790 Td 16 TL {shown} ET".encode("latin-1", "replace")
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(bodies) + 1,
        start,
    )
    return bytes(out)


ATTENDEES = [
    ("Eva Berger", "Berger Bau GmbH"),
    ("Lukas Huber", "Huber Logistik"),
    ("Sofia Rossi", "Rossi Costruzioni"),
    ("Jan Novak", "Novak Stroje"),
    ("Marie Dubois", "Dubois Travaux"),
    ("Tom Baker", "Baker Plant Hire"),
]


def proof_file(proof_type: str, claim: FundClaim, number: int) -> SimpleUploadedFile:
    """A small, valid file of the kind a partner would send as this proof of the claim."""
    request = claim.request
    partner = request.partner.name
    if proof_type in ("photos", "ad_screenshots"):
        colour = "#0B5CAD" if proof_type == "photos" else "#F79009"
        return SimpleUploadedFile(f"{proof_type}-{number}.png", png_of(colour))
    if proof_type == "attendee_list":
        rows = "".join(f"{name},{company}\n" for name, company in ATTENDEES)
        return SimpleUploadedFile(f"attendees-{number}.csv", f"name,company\n{rows}".encode())
    title = "Invoice" if proof_type == "invoice" else "Supporting document"
    content = pdf_of(
        f"{title} {request.starts_on:%Y}-{number:04d}",
        f"To: {partner}",
        f"For: {request.title}, {request.starts_on:%Y-%m-%d}",
        f"Amount: {claim.actual_cost:,.2f} {request.tenant.currency}",
    )
    return SimpleUploadedFile(f"{proof_type}-{number}.pdf", content)


# --- seeding -----------------------------------------------------------------------------------


def seed(stdout: Any = None, scale: float = 1.0) -> None:
    for slug, plan in PLANS.items():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            continue
        with tenant_scope(tenant), audit_context(source="command"):
            made: dict[str, int] = {}
            seeder = None
            if not FundRequest.objects.filter(external_id__startswith=f"{PREFIX}-").exists():
                # Not seeded before: the year is made once, as a whole.
                seeder = _Seeder(tenant, plan)
                with transaction.atomic():
                    made = seeder.run()
        if stdout is not None:
            counts = ", ".join(f"{n} {what}" for what, n in made.items()) or "nothing"
            skipped = f"; skipped: {'; '.join(seeder.skipped)}" if seeder and seeder.skipped else ""
            stdout.write(f"mdf: {slug}: {counts} created{skipped}")


@dataclass
class _Run:
    """A story being played for one partner: its request and claim once made."""

    key: str
    story: Story
    partner: Partner
    filer: Acting
    data: dict[str, Any]
    request: FundRequest | None = None
    claim: FundClaim | None = None
    stopped: bool = False
    proofs: int = 0


@dataclass(order=True)
class _Step:
    at: dt.datetime
    order: int
    run: Callable[[dt.datetime], None] = field(compare=False)


class _Seeder:
    def __init__(self, tenant: Tenant, plan: Plan) -> None:
        self.tenant = tenant
        self.plan = plan
        self.zone = zoneinfo.ZoneInfo(tenant.timezone)
        self.now = timezone.now()
        self.today = timezone.localtime(self.now, self.zone).date()
        self.current = Quarter.of(tenant, self.today)
        self.partners = {
            p.external_id.removeprefix("P-"): p for p in Partner.objects.order_by("external_id")
        }
        members = Membership.objects.filter(is_active=True).select_related("user", "partner")
        members = members.order_by("user__email")
        self.admin: Acting = members.filter(role=Role.REVOPS_ADMIN).first() or SEEDING
        self.filers: dict[int, Acting] = {}
        for member in members.filter(role=Role.PARTNER_ADMIN, partner__isnull=False):
            self.filers.setdefault(member.partner_id or 0, member)
        self.campaigns = {
            int(c.external_id.rsplit("-", 1)[1]): c
            for c in Campaign.objects.filter(external_id__startswith="DEMO-CAM-")
        }
        self.offers = {
            int(o.external_id.rsplit("-", 1)[1]): o
            for o in Offer.objects.filter(external_id__startswith="DEMO-OFF-")
        }
        self.budgets: dict[dt.date, MdfBudget] = {}
        self.queue: list[_Step] = []
        self.scheduled = 0
        self.runs: list[_Run] = []
        self.skipped: list[str] = []
        self.stamps: dict[tuple[Any, int], list[dt.datetime]] = {}
        self.won = 0

    # --- time ------------------------------------------------------------------------------

    def _at(self, anchor: dt.date, when: When, order: int) -> dt.datetime:
        """The moment `when` names: a working day (a weekend moves back to Friday), at the
        hour, at a minute of its own so the timelines do not all tick on the hour."""
        day, hour = when
        if day == "ago":
            return self.now - dt.timedelta(hours=hour, minutes=order % 37)
        date = anchor + dt.timedelta(days=day)
        date -= dt.timedelta(days=max(0, date.weekday() - 4))
        return dt.datetime.combine(date, dt.time(hour, (order * 7) % 50), tzinfo=self.zone)

    def _schedule(self, at: dt.datetime, run: Callable[[dt.datetime], None]) -> None:
        self.scheduled += 1  # steps at the same moment keep the order they were planned in
        heapq.heappush(self.queue, _Step(at, self.scheduled, run))

    def _stamp(self, row: Any, at: dt.datetime) -> None:
        times = self.stamps.setdefault((type(row), row.pk), [at, at])
        times[1] = max(times[1], at)

    # --- the plan --------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        update_settings(self.tenant, acting=self.admin, unused_funds=self.plan.unused)
        quarters = [self.current.shifted(k) for k in range(-4, 1)]
        for index, quarter in enumerate(quarters):
            self._plan_funds(quarter, index)
        cast = dict(zip(SIZE, self.plan.cast, strict=True))
        for index, quarter in enumerate(quarters[:-1]):
            for part, key in cast.items():
                for story in self.plan.history[part][index]:
                    self._plan_story(story, part, key, quarter.start, quarter)
        for part, key in cast.items():
            for story in self.plan.current[part]:
                self._plan_story(story, part, key, self.today, None)
        while self.queue:
            step = heapq.heappop(self.queue)
            self._catch_up(step.at)
            step.run(step.at)
        self._catch_up(self.now)
        self._results()
        # The quarter's recommendation as RevOps would ask for it, so the page has lines to
        # decide (Globex: Prairie's and Gulf Coast's unused funds to Great Lakes).
        reallocation.recommend(self.tenant, self.current, acting=self.admin)
        self._restamp()
        return self._counts()

    def _plan_funds(self, quarter: Quarter, order: int) -> None:
        """The quarter's budget and fixed allocations three weeks ahead; its accruals (on the
        previous quarter's won revenue) once that quarter has ended."""
        ahead = self._at(quarter.start, (-21, 9), order)
        if ahead < self.now:
            self._schedule(ahead, partial(self._budget, quarter))
        earned = self._at(quarter.start, (3, 10), order)
        if earned < self.now:
            self._schedule(earned, partial(self._accruals, quarter))

    def _budget(self, quarter: Quarter, at: dt.datetime) -> None:
        budget = budgets.set_budget(
            self.tenant,
            quarter,
            Decimal(self.plan.budget),
            acting=self.admin,
            notes="Quarterly MDF budget: fixed allocations and accruals on won revenue.",
        )
        self.budgets[quarter.start] = budget
        self._stamp(budget, at)
        for minutes, (key, amount) in enumerate(self.plan.fixed.items(), start=1):
            partner = self.partners.get(key)
            if partner is None:
                continue
            when = at + dt.timedelta(minutes=5 * minutes)
            allocation = budgets.allocate(
                budget, partner, Decimal(amount), acting=self.admin, now=when
            )
            self._stamp(allocation, when)
            self._stamp(budget, when)

    def _accruals(self, quarter: Quarter, at: dt.datetime) -> None:
        budget = self.budgets.get(quarter.start)
        if budget is None:
            return
        earned = quarter.previous
        for minutes, (key, (rate, cap)) in enumerate(self.plan.accruals.items(), start=1):
            partner = self.partners.get(key)
            if partner is None:
                continue
            when = at + dt.timedelta(minutes=5 * minutes)
            allocation = budgets.set_accrual(
                budget,
                partner,
                rate=Decimal(rate),
                period_start=earned.start,
                period_end=earned.last_day,
                cap=Decimal(cap),
                acting=self.admin,
                now=when,
            )
            self._stamp(allocation, when)
            self._stamp(budget, when)

    def _plan_story(
        self, story: Story, part: str, key: str, anchor: dt.date, quarter: Quarter | None
    ) -> None:
        partner = self.partners.get(key)
        if partner is None:
            return
        number = len(self.runs) + 1
        times: list[dt.datetime] = []
        for step_number, (_, when, _) in enumerate(story.steps):
            at = self._at(anchor, when, number + step_number)
            if times and at <= times[-1]:
                at = times[-1] + dt.timedelta(minutes=20)  # a weekend folded two steps together
            times.append(at)
        if quarter is None:
            # The current stories draw on the funds of the quarter their activity starts in, or
            # the current quarter's for one starting after it (no budget is set that far ahead).
            starts = anchor + dt.timedelta(days=story.runs[0])
            quarter = Quarter.of(self.tenant, min(starts, self.today))
        run = _Run(
            key=f"{PREFIX}-{number}",
            story=story,
            partner=partner,
            filer=self.filers.get(partner.pk, SEEDING),
            data=self._request_data(story, part, anchor, quarter, partner),
        )
        self.runs.append(run)
        for (action, _, options), at in zip(story.steps, times, strict=True):
            if at >= self.now:
                break  # the rest of this story has not happened yet
            self._schedule(at, partial(self._act, run, action, options))

    def _request_data(
        self, story: Story, part: str, anchor: dt.date, quarter: Quarter, partner: Partner
    ) -> dict[str, Any]:
        starts = anchor + dt.timedelta(days=story.runs[0])
        ends = anchor + dt.timedelta(days=story.runs[1])
        season = _season(starts)
        asked = _round(Decimal(story.asked) * SIZE[part])
        cost = _round(Decimal(story.cost) * SIZE[part])
        leads = story.leads or max(4, int(asked) // 250)
        campaign = self.campaigns.get(story.campaign or 0)
        offer = self.offers.get(story.offer or 0)
        if (
            campaign is None
            or offer is None
            or not campaign.offer_links.filter(offer=offer).exists()
        ):
            campaign = None
        return {
            "activity_type": story.activity,
            "title": story.title.format(Season=season.capitalize(), season=season),
            "description": DESCRIPTIONS[story.activity],
            "campaign": campaign,
            "offer": offer,
            "starts_on": starts,
            "ends_on": ends,
            "total_cost": cost,
            "partner_share": cost - asked,
            "amount_requested": asked,
            "expected_leads": leads,
            "expected_pipeline": asked * 8,
            "quarter_start": quarter.start,
        }

    # --- acting --------------------------------------------------------------------------------

    def _act(self, run: _Run, action: str, options: dict[str, Any], at: dt.datetime) -> None:
        if run.stopped:
            return
        try:
            with transaction.atomic():
                self._do(run, action, options, at)
        except (ValidationError, TransitionRefused, PermissionDenied) as refused:
            # Funds ran short (a small partner's accrual, say): the story ends where it is.
            run.stopped = True
            detail = "; ".join(getattr(refused, "messages", [str(refused)]))
            self.skipped.append(f"{run.key} {action} ({detail})")
            return
        for row in (run.request, run.claim):
            if row is not None:
                self._stamp(row, at)

    def _do(self, run: _Run, action: str, options: dict[str, Any], at: dt.datetime) -> None:
        reason = str(options.get("reason", "")).format(brand=self.tenant.name)
        if action == "create":
            run.request = requests.create_request(
                self.tenant, run.partner, run.data, acting=run.filer, now=at
            )
            FundRequest.objects.filter(pk=run.request.pk).update(external_id=run.key)
            run.request.external_id = run.key
            return
        request = run.request
        assert request is not None
        if action == "submit":
            requests.submit_request(request, acting=run.filer, now=at)
        elif action == "approve":
            part = options.get("part")
            amount = _round(request.amount_requested * Decimal(part)) if part else None
            requests.approve_request(
                request, acting=self.admin, amount=amount, reason=reason, now=at
            )
        elif action == "reject":
            requests.reject_request(request, acting=self.admin, reason=reason, now=at)
        elif action == "return":
            requests.return_request(request, acting=self.admin, reason=reason, now=at)
        elif action == "withdraw":
            requests.withdraw_request(request, acting=run.filer, reason=reason, now=at)
        elif action == "claim":
            self._claim(run, request, options, at)
        else:
            self._claim_step(run, action, options, reason, at)

    def _claim(
        self, run: _Run, request: FundRequest, options: dict[str, Any], at: dt.datetime
    ) -> None:
        approved = request.approved_amount or Decimal(0)
        spent = _round(request.total_cost * Decimal(options.get("spent", "0.95")))
        leads = int(request.expected_leads * 0.8)
        run.claim = claims.create_claim(
            request,
            {
                "actual_cost": max(spent, approved),
                "amount_claimed": approved,
                "leads_delivered": leads,
                "results": RESULTS.format(leads=leads, quotes=max(1, leads // 4)),
            },
            acting=run.filer,
            now=at,
        )
        FundClaim.objects.filter(pk=run.claim.pk).update(
            external_id=run.key.replace(PREFIX, f"{PREFIX}-C")
        )
        self._proofs(run, options.get("proofs") or claims.required_proof(request), at)

    def _proofs(self, run: _Run, proof_types: list[str], at: dt.datetime) -> None:
        assert run.claim is not None and run.request is not None
        for minutes, proof_type in enumerate(proof_types, start=1):
            run.proofs += 1
            when = at + dt.timedelta(minutes=minutes)
            upload = proof_file(proof_type, run.claim, run.request.pk * 10 + run.proofs)
            proof = claims.add_proof(run.claim, proof_type, upload, acting=run.filer, now=when)
            self._stamp(proof, when)

    def _claim_step(
        self, run: _Run, action: str, options: dict[str, Any], reason: str, at: dt.datetime
    ) -> None:
        claim = run.claim
        assert claim is not None
        if action == "claim_proof":
            self._proofs(run, options["proofs"], at)
        elif action == "claim_submit":
            claims.submit_claim(claim, acting=run.filer, now=at)
        elif action == "claim_approve":
            part = options.get("part")
            amount = _round(claim.amount_claimed * Decimal(part)) if part else None
            claims.approve_claim(claim, acting=self.admin, amount=amount, reason=reason, now=at)
        elif action == "claim_reject":
            claims.reject_claim(claim, acting=self.admin, reason=reason, now=at)
        elif action == "claim_return":
            claims.return_claim(claim, acting=self.admin, reason=reason, now=at)
        elif action == "pay":
            paid_on = timezone.localtime(at, self.zone).date()
            reference = f"{self.tenant.slug.upper()}-PAY-{paid_on:%y%m%d}-{claim.pk:04d}"
            claims.pay_claim(claim, acting=self.admin, reference=reference, paid_on=paid_on, now=at)
        else:
            raise ValueError(f"Unknown demo step {action}")

    # --- the sweep, as it would have run ---------------------------------------------------

    def _catch_up(self, until: dt.datetime) -> None:
        """Run the MDF sweep at each moment before `until` when a clock or a quarter end fell
        due, in order: breaches, reminders, expiries and quarter closes happen when they would
        have, between the people's steps."""
        while (at := self._next_due()) is not None and at <= until:
            done = sweep_clocks(self.tenant, acting=SWEEP, now=at)
            done += sweep_balances(self.tenant, acting=SWEEP, now=at)
            # The sweep's notifications carry its time; seeding emails nobody.
            Notification.objects.filter(emailed_at__isnull=True, created_at__gte=self.now).update(
                created_at=at,
                updated_at=at,
                emailed_at=at,
                read_at=at if at < self.now - READ_AFTER else None,
            )
            if not done:
                return  # nothing moved: leave the rest to the periodic sweep

    def _next_due(self) -> dt.datetime | None:
        """The earliest next step of a running clock or an open balance. Asked before every
        step of the year, so in one plain statement (the ORM's two aggregates cost a second)."""
        quote = connection.ops.quote_name
        sql = (
            f"SELECT MIN(next_action_at) FROM {quote(MdfClock._meta.db_table)} "
            "WHERE tenant_id = %s AND state = %s UNION ALL "
            f"SELECT MIN(next_action_at) FROM {quote(FundBalance._meta.db_table)} "
            "WHERE tenant_id = %s AND closed_at IS NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.tenant.pk, ClockState.RUNNING, self.tenant.pk])
            found = [value for (value,) in cursor.fetchall() if value is not None]
        times: list[dt.datetime] = []
        for value in found:
            at = parse_datetime(value) if isinstance(value, str) else value  # SQLite: text
            if isinstance(at, dt.datetime):
                times.append(timezone.make_aware(at, dt.UTC) if timezone.is_naive(at) else at)
        return min(times, default=None)

    # --- finishing -------------------------------------------------------------------------

    def _restamp(self) -> None:
        """Rows carry the time they were made then and last changed (the services stamped the
        present); requests and claims last changed at their latest event, the sweep's too."""
        ids = [run.request.pk for run in self.runs if run.request is not None]
        latest_request = dict(
            MdfEvent.objects.filter(request_id__in=ids)
            .values("request_id")
            .annotate(at=Max("at"))
            .values_list("request_id", "at")
        )
        latest_claim = dict(
            MdfEvent.objects.filter(request_id__in=ids, claim__isnull=False)
            .values("claim_id")
            .annotate(at=Max("at"))
            .values_list("claim_id", "at")
        )
        for (model, pk), (created, updated) in self.stamps.items():
            if model is FundRequest:
                updated = max(updated, latest_request.get(pk, updated))
            elif model is FundClaim:
                updated = max(updated, latest_claim.get(pk, updated))
            model.objects.filter(pk=pk).update(created_at=created, updated_at=updated)

    def _results(self) -> None:
        """What the paid activities brought: a won deal naming the activity's campaign for each
        paid claim of the partners in `RETURNS` (their multiple of the amount paid), so MDF
        return and reallocation have high and low returns to weigh. The pipeline demo's deals
        name no MDF campaign; partners with an accrual get none (their accruals stay as seeded)."""
        won = Stage.objects.filter(outcome=Outcome.WON).order_by("order").first()
        if won is None:
            return
        paid = (
            FundClaim.objects.filter(state=ClaimState.PAID, request__campaign__isnull=False)
            .select_related("request", "partner")
            .order_by("pk")
        )
        for claim in paid:
            times = RETURNS.get(claim.partner.external_id.removeprefix("P-"))
            account = Account.objects.filter(owner_partner=claim.partner).order_by("pk").first()
            request = claim.request
            opened = request.starts_on + dt.timedelta(days=10)
            if times is None or account is None or opened > self.today:
                continue
            Opportunity.objects.create(
                tenant=self.tenant,
                account=account,
                name=f"{request.title}: follow-up order",
                amount=_round((claim.approved_amount or Decimal(0)) * times),
                currency=self.tenant.currency,
                stage=won,
                opened_on=opened,
                closed_on=min(opened + dt.timedelta(days=45), self.today),
                route=Route.PARTNER,
                partner=claim.partner,
                source=Source.PARTNER,
                source_detail=f"MDF activity #{request.pk}",
                campaign=request.campaign,
                offer=request.offer,
                external_id=f"{PREFIX}-OPP-{claim.pk}",
            )
            self.won += 1

    def _counts(self) -> dict[str, int]:
        from mdf.models import LedgerEntry

        return {
            "budgets": MdfBudget.objects.count(),
            "allocations": Allocation.objects.count(),
            "requests": FundRequest.objects.filter(external_id__startswith=f"{PREFIX}-").count(),
            "claims": FundClaim.objects.count(),
            "proof files": ProofFile.objects.count(),
            "ledger entries": LedgerEntry.objects.count(),
            "won deals from funded activities": self.won,
        }


def _round(amount: Decimal) -> Decimal:
    """Down to whole hundreds (at least a hundred): amounts people write."""
    return max(HUNDRED, (amount / HUNDRED).quantize(Decimal(1), rounding=ROUND_DOWN) * HUNDRED)


def _season(day: dt.date) -> str:
    return ("winter", "spring", "summer", "autumn")[day.month % 12 // 3]
