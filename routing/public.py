"""Public web-to-lead forms: `/f/<tenant slug>/<form key>/`, no sign-in, embeddable in the
manufacturer's (or a partner's) web site.

Outside the front doors: the tenant comes from the URL, is looked up here, and the tenant scope
is entered explicitly for the form's work. An unknown tenant, an unknown key, an inactive form
and a form of a partner that is no longer active all answer the same 404, so the page never
tells which part was wrong.

Submissions go through `routing.api.submit.submit_lead` (the API's validation, then processing).
Leads of a partner's co-branded form count as submitted by that partner.

Abuse, without a CAPTCHA:
- a honeypot field (`website`), invisible to people; a submission that fills it is answered as
  if it were accepted and stored nowhere;
- a signed form token issued with the page (`form_token`, signed with the form's tenant and key,
  valid for a day): a submission faster than MIN_FILL_SECONDS after the page was served is a bot
  and is answered like the honeypot; a token is accepted once (a resubmitted page stores nothing
  twice); a missing, forged or expired token asks the person to send the form again;
- at most RATE_LIMIT submissions per client address and form per hour (429 after that).

Why no Django CSRF protection: the form is meant to be framed by, and posted from, other sites.
Django's CSRF check needs our CSRF cookie, which browsers withhold from third-party frames, and a
matching Origin or Referer, which a cross-site `fetch` does not have; it would refuse exactly the
legitimate use. And there is nothing for a forged request to abuse: the form acts for no
signed-in user (it sets no cookie and reads no session), it only creates a lead, which anyone may
do. The signed token takes CSRF's other role (the page must have been served by us, recently),
and posts carrying an Origin that is neither ours nor one of the form's `allowed_origins` are
refused.

Framing: `Content-Security-Policy: frame-ancestors` lists the form's `allowed_origins` (no
X-Frame-Options then, as it cannot name several sites); a form without allowed origins may not be
framed at all (`frame-ancestors 'none'` and `X-Frame-Options: DENY`).

JSON: a site can also build its own form and post with `fetch`: GET with `Accept:
application/json` for a token and the product lines, then POST JSON with the token. CORS headers
are sent to the form's `allowed_origins` only.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from accounts.models import ProductLine
from core.acting import SystemActor
from core.http import client_ip
from core.tenancy import tenant_scope
from core.throttle import FailureCounter
from pipeline.choices import LeadSource
from routing.api.submit import submit_lead
from routing.forms import PublicLeadForm
from routing.models import LeadForm
from routing.validators import plain_origin
from tenancy.choices import PartnerStatus
from tenancy.models import Partner, Tenant

__all__ = [
    "HONEYPOT",
    "MIN_FILL_SECONDS",
    "PUBLIC_FORM",
    "RATE_LIMIT",
    "TOKEN_FIELD",
    "TOKEN_MAX_AGE",
    "Channel",
    "Submission",
    "decorate",
    "form_errors",
    "issue_token",
    "lead_data",
    "lead_form",
    "not_allowed",
    "preflight",
    "public_message",
    "submit",
    "wants_json",
]

HONEYPOT = "website"
TOKEN_FIELD = "form_token"
MIN_FILL_SECONDS = 3
TOKEN_MAX_AGE = 24 * 3600
RATE_LIMIT, RATE_WINDOW = 20, 3600
SUBMISSIONS = FailureCounter("leadform", limit=RATE_LIMIT, window_seconds=RATE_WINDOW)
# Text fields of the form (routing.forms.PublicLeadForm, whose labels and declared requirement the
# page shows), in the API's names; `name` is split into first and last name.
TEXT_FIELDS = tuple(PublicLeadForm.base_fields)
FIELD_OF_ERROR = {"first_name": "name", "last_name": "name"}
JSON_TYPE = "application/json"
# Nobody signs in to a public form: its submissions are the portal's own doing.
PUBLIC_FORM = SystemActor("web-to-lead form")


# --- what the rules apply to ------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """A public form the rules below apply to: a web-to-lead form, or an offer's landing page
    (routing.landing). `salt` keeps one form's tokens from being used on another; `origins` are
    the sites that may frame it and post to it from a browser."""

    tenant: Tenant
    partner: Partner | None
    salt: str
    limit_key: str
    origins: tuple[str, ...]
    thank_you: str

    @classmethod
    def of(cls, form: LeadForm) -> Channel:
        return cls(
            tenant=form.tenant,
            partner=form.partner,
            salt=f"routing.public:{form.tenant_id}:{form.key}",
            limit_key=f"{form.tenant_id}|{form.pk}",
            origins=tuple(_origins(form)),
            thank_you=form.thank_you,
        )


@dataclass(frozen=True)
class Submission:
    """What a channel does around the shared rules: show its form again (with the values, the
    errors, the token to reuse and the status) and store an accepted submission (raising
    django's ValidationError with a message per field of the form)."""

    show: Callable[[dict[str, Any], dict[str, list[str]], str, int], HttpResponse]
    store: Callable[[dict[str, Any]], None]
    accepted: Callable[[], HttpResponse]


# --- tokens, URLs and the embed snippet -----------------------------------------------------


def issue_token(form: LeadForm | Channel, *, issued_at: float | None = None) -> str:
    """A signed token for one filling of `form`, stamped with when the page was served."""
    channel = form if isinstance(form, Channel) else Channel.of(form)
    issued = time.time() if issued_at is None else issued_at
    return signing.dumps({"n": secrets.token_urlsafe(8), "t": issued}, salt=channel.salt)


def _token_age(channel: Channel, token: str) -> float | None:
    """Seconds since the token was issued, or None if it is missing, forged or expired."""
    if not token or len(token) > 500:
        return None
    try:
        payload = signing.loads(token, salt=channel.salt, max_age=TOKEN_MAX_AGE)
        age = time.time() - float(payload["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return age if age <= TOKEN_MAX_AGE else None


def _claim_token(token: str) -> bool:
    """True the first time a token is used, False after (a resubmitted page)."""
    return cache.add(_token_key(token), 1, timeout=TOKEN_MAX_AGE)


def _token_key(token: str) -> str:
    return "leadform-token:" + hashlib.sha256(token.encode()).hexdigest()[:40]


# --- the view ---------------------------------------------------------------------------------


def _find(tenant_slug: str | None, key: str | None) -> LeadForm | None:
    if not tenant_slug or not key or len(key) > 64 or len(tenant_slug) > 50:
        return None
    tenant = Tenant.objects.filter(slug=tenant_slug).first()
    if tenant is None:
        return None
    with tenant_scope(tenant):
        form = (
            LeadForm.objects.select_related("partner", "tenant")
            .filter(key=key, is_active=True)
            .first()
        )
    if form is None or (form.partner is not None and form.partner.status != PartnerStatus.ACTIVE):
        return None
    return form


def wants_json(request: HttpRequest) -> bool:
    if request.content_type == JSON_TYPE:
        return True
    accept = request.headers.get("Accept", "")
    return JSON_TYPE in accept and "text/html" not in accept


def _origins(form: LeadForm) -> list[str]:
    """The form's allowed origins that are plain origins (they go into response headers)."""
    values = form.allowed_origins if isinstance(form.allowed_origins, list) else []
    cleaned = (plain_origin(v) for v in values)
    return list(dict.fromkeys(o for o in cleaned if o))


def _own_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def _origin_allowed(request: HttpRequest, channel: Channel) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return True  # no claim to check (server-side posts, privacy-sensitive browsers)
    origin = origin.lower()
    return origin == _own_origin(request) or origin in channel.origins


def public_message(
    request: HttpRequest, as_json: bool, status: int, code: str, text: str
) -> HttpResponse:
    if as_json:
        return JsonResponse({"code": code, "detail": text, "fields": {}}, status=status)
    return render(request, "routing/public/message.html", {"message": text}, status=status)


def not_allowed(request: HttpRequest, as_json: bool) -> HttpResponse | None:
    """The answer to a method no public form takes, or None."""
    if request.method in ("GET", "HEAD", "POST", "OPTIONS"):
        return None
    response = public_message(request, as_json, 405, "method_not_allowed", "Method not allowed.")
    response["Allow"] = "GET, POST, OPTIONS"
    return response


@csrf_exempt
def lead_form(
    request: HttpRequest, tenant_slug: str | None = None, key: str | None = None
) -> HttpResponse:
    """GET: the form (HTML, or a token as JSON). POST: a submission. OPTIONS: CORS preflight."""
    as_json = wants_json(request)
    refused = not_allowed(request, as_json)
    if refused is not None:
        return refused
    form = _find(tenant_slug, key)
    if form is None:
        return public_message(request, as_json, 404, "not_found", "This form is not available.")
    channel = Channel.of(form)
    with tenant_scope(form.tenant):
        if request.method == "OPTIONS":
            response = preflight(request, channel)
        elif request.method == "POST":
            response = submit(request, channel, as_json, _form_submission(request, form, as_json))
        else:
            response = _show(request, form, as_json)
    return decorate(request, response, channel)


def preflight(request: HttpRequest, channel: Channel) -> HttpResponse:
    origin = (request.headers.get("Origin") or "").lower()
    if origin not in channel.origins:
        return HttpResponse(status=403)
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    response["Access-Control-Max-Age"] = "600"
    return response


def _product_lines() -> list[ProductLine]:
    return list(ProductLine.objects.order_by("name").only("code", "name"))


def _show(
    request: HttpRequest,
    form: LeadForm,
    as_json: bool,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    lines = _product_lines()
    token = token or issue_token(form)
    if as_json:
        return JsonResponse(
            {
                "token": token,
                "token_field": TOKEN_FIELD,
                "min_fill_seconds": MIN_FILL_SECONDS,
                "expires_in": TOKEN_MAX_AGE,
                "fields": [*TEXT_FIELDS, "product_interest"],
                "product_lines": [{"code": p.code, "name": p.name} for p in lines],
            },
            status=status,
        )
    values = values or {}
    chosen = set(values.get("product_interest") or [])
    context = {
        "form": form,
        "tenant": form.tenant,
        "partner": form.partner,
        "token": token,
        "token_field": TOKEN_FIELD,
        "honeypot": HONEYPOT,
        "values": values,
        "errors": errors or {},
        "general_errors": (errors or {}).get("__all__", []),
        "product_lines": [(p.code, p.name, p.code in chosen) for p in lines],
        "fields": PublicLeadForm().requirement_notes(),
    }
    return render(request, "routing/public/form.html", context, status=status)


def _form_submission(request: HttpRequest, form: LeadForm, as_json: bool) -> Submission:
    def show(
        values: dict[str, Any], errors: dict[str, list[str]], token: str, status: int
    ) -> HttpResponse:
        return _show(
            request, form, as_json, values=values, errors=errors, token=token, status=status
        )

    def store(data: dict[str, Any]) -> None:
        submit_lead(
            form.tenant,
            {**lead_data(data), "priority": form.priority},
            acting=PUBLIC_FORM,
            source=LeadSource.WEB_FORM,
            partner=form.partner,
            source_detail=form.source_detail or form.name,
        )

    def accepted() -> HttpResponse:
        if as_json:
            return JsonResponse({"status": "received", "message": form.thank_you}, status=201)
        return render(request, "routing/public/thanks.html", {"form": form, "tenant": form.tenant})

    return Submission(show=show, store=store, accepted=accepted)


def _data(request: HttpRequest, extra_fields: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The submitted values (None: a JSON body that is not an object)."""
    if request.content_type == JSON_TYPE:
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            return None
        return body if isinstance(body, dict) else None
    names = (*TEXT_FIELDS, *extra_fields, HONEYPOT, TOKEN_FIELD)
    data: dict[str, Any] = {name: request.POST.get(name, "") for name in names}
    data["product_interest"] = request.POST.getlist("product_interest")
    return data


def lead_data(data: dict[str, Any]) -> dict[str, Any]:
    """The submission in the API's shape."""
    lead = {
        name: data[name]
        for name in ("email", "phone", "company", "country", "postal_code", "message")
        if data.get(name) not in (None, "")
    }
    for name in ("first_name", "last_name"):
        if data.get(name) not in (None, ""):
            lead[name] = data[name]
    full_name = data.get("name")
    named = {"first_name", "last_name"} & set(lead)
    if isinstance(full_name, str) and full_name.strip() and not named:
        parts = full_name.split()
        lead["last_name"] = parts[-1]
        if len(parts) > 1:
            lead["first_name"] = " ".join(parts[:-1])
    elif full_name not in (None, "") and not isinstance(full_name, str):
        lead["last_name"] = full_name  # not text: the serializer says so
    interest = data.get("product_interest")
    if isinstance(interest, str):
        interest = [interest]
    if interest not in (None, []):
        lead["product_interest"] = interest
    return lead


def form_errors(
    exc: ValidationError, fields: tuple[str, ...] = (*TEXT_FIELDS, "product_interest")
) -> dict[str, list[str]]:
    """A refusal's messages by the form's fields (anything else goes to the top of the form)."""
    errors: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        field = FIELD_OF_ERROR.get(key, key.split(".")[0])
        if field not in fields:
            field = "__all__"
        errors.setdefault(field, []).extend(m for m in messages if m not in errors.get(field, []))
    return errors


def submit(
    request: HttpRequest,
    channel: Channel,
    as_json: bool,
    submission: Submission,
    *,
    extra_fields: tuple[str, ...] = (),
) -> HttpResponse:
    """One submission through every rule: rate limit, origin, honeypot, token; then the channel
    stores it. A bot's submission gets the same answer as a person's and is stored nowhere."""
    subject = f"{client_ip(request) or 'unknown'}|{channel.limit_key}"
    if SUBMISSIONS.is_blocked(subject):
        response = public_message(
            request,
            as_json,
            429,
            "throttled",
            "Too many submissions from your network. Please try again in an hour.",
        )
        response["Retry-After"] = str(RATE_WINDOW)
        return response
    SUBMISSIONS.add_failure(subject)
    if not _origin_allowed(request, channel):
        return public_message(
            request, as_json, 403, "origin_not_allowed", "This site may not post to this form."
        )
    data = _data(request, extra_fields)
    if data is None:
        return public_message(request, True, 400, "invalid", "Send a JSON object.")
    if data.get(HONEYPOT):
        return submission.accepted()
    token = data.get(TOKEN_FIELD)
    age = _token_age(channel, token) if isinstance(token, str) else None
    if age is None or not isinstance(token, str):
        text = "The form was open too long or is incomplete. Please check it and send it again."
        if as_json:
            return public_message(request, True, 400, "form_token", text)
        return submission.show(data, {"__all__": [text]}, issue_token(channel), 400)
    if age < MIN_FILL_SECONDS or not _claim_token(token):
        return submission.accepted()  # too fast for a person, or sent twice
    try:
        submission.store(data)
    except ValidationError as exc:
        cache.delete(_token_key(token))  # the corrected form may use it again
        errors = form_errors(exc, (*TEXT_FIELDS, "product_interest", *extra_fields))
        if as_json:
            body = {"code": "invalid", "detail": "Some input is not valid.", "fields": errors}
            return JsonResponse(body, status=400)
        return submission.show(data, errors, token, 400)
    return submission.accepted()


def decorate(request: HttpRequest, response: HttpResponse, channel: Channel) -> HttpResponse:
    """Framing, CORS and caching headers of every answer of a found form."""
    origins = channel.origins
    ancestors = " ".join(origins) if origins else "'none'"
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
        f"base-uri 'none'; frame-ancestors {ancestors}"
    )
    if origins:
        response.xframe_options_exempt = True  # CSP names the sites; XFO cannot
    else:
        response["X-Frame-Options"] = "DENY"
    origin = (request.headers.get("Origin") or "").lower()
    if origin in origins:
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin, Accept, Accept-Language, Content-Type"
    response["Cache-Control"] = "no-store"
    return response
