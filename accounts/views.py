"""Customer pages of the three front doors: the account list, the account page, the contact list and
the contact page, the lists with their CSV export. The same views serve /console/, /sales/ and /portal/ (the door guard
sets `request.membership`, `request.tenant` and `request.door`); what a viewer sees comes from
`visible_to(request.membership)`, the start of every query here.

The account page and higher apps
--------------------------------
An account page also shows opportunities and the touch timeline, which live in `pipeline`, an app
above this one: `accounts` must not import it (not even through `apps.get_model()`, which would
hide the same upward dependency from the import linter). So the page is assembled from
*sections*: a higher app registers an `AccountSection` from its `AppConfig.ready()` with
`register_account_section()`, the same way apps register their pages with the navigation, and
`account_detail` renders every registered section, in `order`, below the account's own facts and
contacts. A section is a function `(request, account) -> HTML` called inside the view, so it runs
in the request's tenant scope and starts its own queries from `visible_to(request.membership)`;
the account page knows nothing about what a section shows. The contact page works the same way
through CONTACT_SECTIONS (`register_contact_section()`; `tenancy.sections`): pipeline adds the
touches with the contact, routing the leads of the same person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import (
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import SafeString

from accounts.choices import ServiceNeed
from accounts.filters import AccountFilter, ContactFilter, PageFilterSet
from accounts.models import Account, AccountDomain, AccountProductLine, Contact
from core.csvexport import Column, csv_response
from core.views import row_or_404
from tenancy.models import Membership, Partner, Team
from tenancy.requests import DoorRequest
from tenancy.sections import Figure, Section, Sections, render_figures

__all__ = [
    "CONTACT_SECTIONS",
    "PER_PAGE",
    "AccountSection",
    "account_detail",
    "account_export",
    "account_list",
    "account_sections",
    "accounts_of_partner_section",
    "accounts_of_team_section",
    "contact_detail",
    "contact_export",
    "contact_list",
    "export_filename",
    "export_rows",
    "filter_rows",
    "paginate",
    "register_account_section",
    "register_contact_section",
]

PER_PAGE = 50
# Contacts listed on an account page; the rest are one click away in the contact list.
ACCOUNT_PAGE_CONTACTS = 25


# --- sections of the account page contributed by higher apps ---------------------------------


@dataclass(frozen=True)
class AccountSection:
    """A block of the account page, rendered by a higher app: `render(request, account)` returns
    HTML, computed inside the view from the viewer's `visible_to()` rows."""

    key: str
    render: Callable[[DoorRequest, Account], str]
    order: int = 100


_SECTIONS: dict[str, AccountSection] = {}


def register_account_section(section: AccountSection) -> None:
    if section.key in _SECTIONS:
        raise ValueError(f"account section {section.key!r} is registered twice")
    _SECTIONS[section.key] = section


def account_sections() -> list[AccountSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


# Blocks of the contact page contributed by higher apps (touches, leads of the same person).
CONTACT_SECTIONS: Sections[Contact] = Sections("contact")


def register_contact_section(section: Section[Contact]) -> None:
    CONTACT_SECTIONS.register(section)


# --- helpers shared by the list pages (pipeline's too) ---------------------------------------


def filter_rows(
    request: DoorRequest, filter_class: type[PageFilterSet], rows: QuerySet
) -> tuple[PageFilterSet, QuerySet, int]:
    """Apply the query string's filters to `rows` (already `visible_to()` the viewer).

    Invalid filters give no rows and status 400, never the unfiltered list."""
    filterset = filter_class(request.GET, rows, membership=request.membership)
    if filterset.is_valid():
        return filterset, filterset.qs, 200
    return filterset, rows.none(), 400


def paginate(request: DoorRequest, rows: QuerySet) -> Page:
    """PER_PAGE rows; a junk page number is page 1, one past the end the last page."""
    return Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))


def export_filename(request: DoorRequest, what: str) -> str:
    return f"{what}-{request.tenant.slug}-{timezone.localdate():%Y-%m-%d}.csv"


def export_rows(
    request: DoorRequest,
    filter_class: type[PageFilterSet],
    rows: QuerySet,
    columns: list[Column],
    what: str,
) -> HttpResponse | StreamingHttpResponse:
    """The CSV download behind a list's "Export CSV": exactly the rows the list shows with the
    same query string, all pages of them. Invalid filters: 400, nothing exported."""
    filterset, rows, status = filter_rows(request, filter_class, rows)
    if status != 200:
        problems = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in filterset.errors.items())
        return HttpResponseBadRequest(
            f"Invalid filters, nothing exported. {problems}", content_type="text/plain"
        )
    return csv_response(rows, columns, export_filename(request, what))


# --- accounts --------------------------------------------------------------------------------


def account_rows(membership: Membership) -> QuerySet:
    return (
        Account.objects.visible_to(membership)
        .select_related("tier", "segment", "owner_user", "owner_team", "owner_partner")
        .prefetch_related("domains")
        .order_by("name", "pk")
    )


def account_list(request: DoorRequest) -> HttpResponse:
    filterset, rows, status = filter_rows(request, AccountFilter, account_rows(request.membership))
    context = {
        "filterset": filterset,
        "page": paginate(request, rows),
        "show_owner": not request.membership.is_partner_user,
    }
    return render(request, "accounts/account_list.html", context, status=status)


def _account_columns(membership: Membership) -> list[Column]:
    columns: list[Column] = [
        ("id", lambda a: a.pk),
        ("external_id", lambda a: a.external_id),
        ("name", lambda a: a.name),
        ("legal_name", lambda a: a.legal_name),
        ("domains", lambda a: "; ".join(d.domain for d in a.domains.all())),
        ("tier", lambda a: a.tier.name if a.tier else ""),
        ("segment", lambda a: a.segment.name if a.segment else ""),
        ("country", lambda a: a.country),
        ("region", lambda a: a.region),
        ("city", lambda a: a.city),
        ("postal_code", lambda a: a.postal_code),
        ("employees", lambda a: a.get_employee_band_display()),
        ("revenue", lambda a: a.get_revenue_band_display()),
        ("lifecycle", lambda a: a.get_lifecycle_display()),
        ("named_account", lambda a: "yes" if a.named_account else "no"),
        ("owner_partner", lambda a: a.owner_partner.name if a.owner_partner else ""),
    ]
    return columns + owner_columns(membership)


def owner_columns(membership: Membership) -> list[Column]:
    """The direct owner columns of an export: the manufacturer's people and teams, which partner
    users are not shown."""
    if membership.is_partner_user:
        return []
    return [
        ("owner_user", lambda row: row.owner_user.email if row.owner_user else ""),
        ("owner_team", lambda row: row.owner_team.name if row.owner_team else ""),
    ]


def account_export(request: DoorRequest) -> HttpResponse | StreamingHttpResponse:
    membership = request.membership
    return export_rows(
        request, AccountFilter, account_rows(membership), _account_columns(membership), "accounts"
    )


def account_detail(request: DoorRequest, pk: int) -> HttpResponse:
    """An account's facts, domains, product lines and contacts, then the sections higher apps
    registered (opportunities, touch timeline). Not visible to the viewer: 404."""
    membership = request.membership
    account = row_or_404(
        Account.objects.visible_to(membership).select_related(
            "tier", "segment", "owner_user", "owner_team", "owner_partner"
        ),
        pk,
        "No such account.",
    )
    contacts = Contact.objects.visible_to(membership).filter(account=account)
    needs = account.service_needs if isinstance(account.service_needs, list) else []
    labels = dict(ServiceNeed.choices)
    context = {
        "account": account,
        "domains": list(AccountDomain.objects.visible_to(membership).filter(account=account)),
        "product_lines": list(
            AccountProductLine.objects.visible_to(membership)
            .filter(account=account)
            .select_related("product_line")
            .order_by("relation", "product_line__name")
        ),
        "service_needs": [labels.get(n, str(n)) for n in needs],
        "contacts": list(contacts[:ACCOUNT_PAGE_CONTACTS]),
        "contact_count": contacts.count(),
        "sections": [SafeString(s.render(request, account)) for s in account_sections()],
        "show_owner": not membership.is_partner_user,
    }
    return render(request, "accounts/account_detail.html", context)


# --- contacts --------------------------------------------------------------------------------


def contact_rows(membership: Membership) -> QuerySet:
    return (
        Contact.objects.visible_to(membership)
        .select_related("account")
        .order_by("last_name", "first_name", "pk")
    )


def contact_list(request: DoorRequest) -> HttpResponse:
    membership = request.membership
    filterset, rows, status = filter_rows(request, ContactFilter, contact_rows(membership))
    account = None
    if status == 200 and filterset.form.cleaned_data.get("account"):
        account_id = filterset.form.cleaned_data["account"]
        account = Account.objects.visible_to(membership).filter(pk=account_id).first()
    context = {"filterset": filterset, "page": paginate(request, rows), "account": account}
    return render(request, "accounts/contact_list.html", context, status=status)


def contact_detail(request: DoorRequest, pk: int) -> HttpResponse:
    """A contact's facts and account, then the sections higher apps registered (touches, leads).
    Not visible to the viewer: 404."""
    membership = request.membership
    contact = row_or_404(
        Contact.objects.visible_to(membership).select_related(
            "account__owner_user", "account__owner_team", "account__owner_partner"
        ),
        pk,
        "No such contact.",
    )
    # A contact is visible through its account (ContactQuerySet.visible_to), so its account is too.
    context = {
        "contact": contact,
        "sections": CONTACT_SECTIONS.render(request, contact),
        "show_owner": not membership.is_partner_user,
    }
    return render(request, "accounts/contact_detail.html", context)


CONTACT_COLUMNS: list[Column] = [
    ("id", lambda c: c.pk),
    ("external_id", lambda c: c.external_id),
    ("first_name", lambda c: c.first_name),
    ("last_name", lambda c: c.last_name),
    ("email", lambda c: c.email),
    ("phone", lambda c: c.phone),
    ("title", lambda c: c.title),
    ("buying_role", lambda c: c.get_buying_role_display()),
    ("consent", lambda c: c.get_consent_display()),
    ("opted_out", lambda c: "yes" if c.opted_out else "no"),
    ("account_id", lambda c: c.account_id),
    ("account", lambda c: c.account.name if c.account else ""),
]


def contact_export(request: DoorRequest) -> HttpResponse | StreamingHttpResponse:
    rows = contact_rows(request.membership)
    return export_rows(request, ContactFilter, rows, CONTACT_COLUMNS, "contacts")


# --- sections of the partner and team pages (tenancy) ----------------------------------------


def _owned_accounts(request: DoorRequest, field: str, owner: Partner | Team) -> str:
    accounts = Account.objects.visible_to(request.membership).filter(**{field: owner})
    url = reverse(f"{request.door}:accounts", args=[request.tenant.slug])
    figures = [
        Figure("Accounts owned", str(accounts.count()), f"{url}?{urlencode({field: owner.pk})}"),
        Figure("Contacts at them", str(Contact.objects.filter(account__in=accounts).count())),
    ]
    return render_figures(request, "accounts", "Accounts", figures)


def accounts_of_partner_section(request: DoorRequest, partner: Partner) -> str:
    return _owned_accounts(request, "owner_partner", partner)


def accounts_of_team_section(request: DoorRequest, team: Team) -> str:
    return _owned_accounts(request, "owner_team", team)
