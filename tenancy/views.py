"""The three front doors (/portal/, /sales/, /console/): sign-in, tenant picker, home pages,
and the console's who-is-who pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from core.audit import record
from core.models import AuditEvent
from core.views import row_or_404
from tenancy.auditlog import describe_events
from tenancy.choices import DOOR_ROLES, Door
from tenancy.clock import viewer_zone
from tenancy.filters import AuditEventFilter
from tenancy.forms import ApiTokenForm, LoginForm
from tenancy.models import ApiToken, Membership, Partner, Team, Tenant, User
from tenancy.requests import DoorRequest
from tenancy.sections import Section, Sections
from tenancy.services import (
    issue_api_token,
    login_throttle,
    membership_for,
    memberships_of,
    record_home_visit,
    revoke_api_token,
)
from tenancy.worklist import changes_for, figures_for, queue_for

DOOR_HOME = {door: f"{door}:home" for door in Door}

# Blocks of the partner and team pages contributed by higher apps (what the partner or team owns,
# its territories and authorizations), which tenancy, the lowest app, cannot import.
PARTNER_SECTIONS: Sections[Partner] = Sections("partner")
TEAM_SECTIONS: Sections[Team] = Sections("team")


def register_partner_section(section: Section[Partner]) -> None:
    PARTNER_SECTIONS.register(section)


def register_team_section(section: Section[Team]) -> None:
    TEAM_SECTIONS.register(section)


def door_memberships(user: User, door: str) -> list[Membership]:
    return [m for m in memberships_of(user) if m.role in DOOR_ROLES[door]]


def door_page(door: str) -> Callable:
    """Guard a page under /<door>/<tenant>/: signed in, a member of the tenant, a role this door
    admits. A tenant the user does not belong to is a 404, so its existence is not revealed.
    The page runs in the viewer's time zone (tenancy/clock.py): shown and typed times are local."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, tenant: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect(
                    f"{reverse(f'{door}:front')}?{urlencode({'next': request.get_full_path()})}"
                )
            # TenantScopeMiddleware sets the URL's tenant, None when the slug names none.
            tenant_of_url: Tenant | None = getattr(request, "tenant", None)
            if tenant_of_url is None:
                raise Http404("No such tenant.")
            membership = membership_for(request.user, tenant_of_url)
            if membership is None:
                raise Http404("No such tenant.")
            if membership.role not in DOOR_ROLES[door]:
                record(
                    AuditEvent.Action.DENIED,
                    tenant=tenant_of_url,
                    detail=f"{membership.get_role_display()} refused at {request.path}",
                )
                return render(
                    request,
                    "tenancy/denied.html",
                    {"door": Door(door), "memberships": memberships_of(request.user)},
                    status=403,
                )
            door_request = cast(DoorRequest, request)  # what the guard attaches, from here on
            door_request.membership = membership
            door_request.door = Door(door)
            with timezone.override(viewer_zone(membership)):
                return view(door_request, *args, **kwargs)

        return guarded

    return decorator


def front_door(request: HttpRequest, door: str) -> HttpResponse:
    """Sign in, then lead on to the tenant: straight there when there is one, a picker otherwise."""
    door = Door(door)
    if not request.user.is_authenticated:
        return _sign_in(request, door)
    choices = door_memberships(request.user, door)
    next_url = request.GET.get("next", "")
    if len(choices) == 1 and not request.GET.get("pick"):
        target = reverse(DOOR_HOME[door], args=[choices[0].tenant.slug])
        if next_url.startswith(target) and url_has_allowed_host_and_scheme(next_url, None):
            target = next_url
        return redirect(target)
    status = 200 if choices else 403
    context = {"door": door, "choices": choices, "others": memberships_of(request.user)}
    return render(request, "tenancy/pick_tenant.html", context, status=status)


def _sign_in(request: HttpRequest, door: Door) -> HttpResponse:
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        next_url = request.POST.get("next") or request.get_full_path()
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
            next_url = reverse(f"{door}:front")
        return HttpResponseRedirect(next_url)
    status = 200
    if request.method == "POST":
        status = 429 if form.throttled else 400
    context = {"door": door, "form": form, "next": request.GET.get("next", "")}
    return render(request, "tenancy/login.html", context, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out and go back to the door the user came through."""
    logout(request)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("landing")
    return redirect(next_url)


# On a first visit, "since your last visit" shows what changed in this many days.
FIRST_VISIT_DAYS = 7


def home(request: DoorRequest) -> HttpResponse:
    """The door's home page as a work queue: what is waiting for the viewer (urgent first, each
    linked to the list where it is done), the few figures of their role, and what changed since
    their last visit. Every app fills it from its own `home.py` (tenancy/worklist.py)."""
    now = timezone.now()
    last_visit = record_home_visit(acting=request.membership, now=now)
    since = last_visit or now - dt.timedelta(days=FIRST_VISIT_DAYS)
    context = {  # in the tenant's zone: the door guard applies it (tenancy/clock.py)
        "membership": request.membership,
        "queue": queue_for(request),
        "figures": figures_for(request),
        "changes": changes_for(request, since),
        "last_visit": last_visit,
        "first_visit_days": FIRST_VISIT_DAYS,
    }
    return render(request, f"tenancy/home_{request.door}.html", context)


AUDIT_PER_PAGE = 50


def audit_log(request: DoorRequest) -> HttpResponse:
    """The tenant's audit log, newest first, each event in words with its fields before and after,
    50 to a page, filtered by who, action, object type and days. Invalid filters: 400."""
    events = AuditEvent.objects.select_related("actor").order_by("-at", "-pk")
    filterset = AuditEventFilter(request.GET, events, membership=request.membership)
    status = 200
    if filterset.is_valid():
        events = filterset.qs
    else:
        events, status = events.none(), 400
    page = Paginator(events, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    entries = describe_events(page.object_list, door=request.door, tenant_slug=request.tenant.slug)
    context = {"filterset": filterset, "page": page, "entries": entries}
    return render(request, "tenancy/audit_log.html", context, status=status)


def partner_list(request: DoorRequest) -> HttpResponse:
    partners = Partner.objects.visible_to(request.membership).annotate(
        user_count=Count("memberships")
    )
    return render(request, "tenancy/partner_list.html", {"partners": partners})


def partner_detail(request: DoorRequest, pk: int) -> HttpResponse:
    """A partner's facts and people, then what higher apps say about it (authorizations,
    accounts, pipeline and leads). Not visible to the viewer: 404."""
    partner = row_or_404(Partner.objects.visible_to(request.membership), pk, "No such partner.")
    members = (
        Membership.objects.visible_to(request.membership)
        .filter(partner=partner)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    context = {
        "partner": partner,
        "members": list(members),
        "sections": PARTNER_SECTIONS.render(request, partner),
    }
    return render(request, "tenancy/partner_detail.html", context)


def team_list(request: DoorRequest) -> HttpResponse:
    teams = Team.objects.visible_to(request.membership).annotate(user_count=Count("memberships"))
    return render(request, "tenancy/team_list.html", {"teams": teams})


def team_detail(request: DoorRequest, pk: int) -> HttpResponse:
    """A direct team's facts and people, then what higher apps say about it. Not visible: 404."""
    team = row_or_404(Team.objects.visible_to(request.membership), pk, "No such team.")
    members = (
        Membership.objects.visible_to(request.membership)
        .filter(team=team)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    context = {
        "team": team,
        "members": list(members),
        "sections": TEAM_SECTIONS.render(request, team),
    }
    return render(request, "tenancy/team_detail.html", context)


def user_list(request: DoorRequest) -> HttpResponse:
    members = Membership.objects.visible_to(request.membership).select_related(
        "user", "partner", "team"
    )
    return render(request, "tenancy/user_list.html", {"members": members})


def api_tokens(request: DoorRequest) -> HttpResponse:
    """Tokens of this tenant. A token acts as the admin who creates it here, so every API change
    is traceable to a person; tokens for other users come from `manage.py issue_api_token`."""
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = issue_api_token(
            tenant=request.tenant,
            user=request.user,
            name=form.cleaned_data["name"],
            acting=request.membership,
        )
        messages.success(
            request, f"Token “{token.name}” created. Copy the key now: it is shown once."
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.select_related("user")
    status = 400 if request.method == "POST" and form.errors else 200
    context = {"form": form, "tokens": tokens, "new_key": new_key}
    return render(request, "tenancy/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke(request: DoorRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.all(), pk=token_id)
    revoke_api_token(token, acting=request.membership)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("console:api-tokens", request.tenant.slug)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's reset form; a successful reset also lifts the sign-in lockout of that email."""

    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        assert self.user is not None  # a valid reset link names its user
        by_email, _ = login_throttle()
        by_email.reset(self.user.email)
        return response
