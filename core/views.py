"""Views every app shares: health, error pages, and the lookup of one row for a page."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from core.health import health_report
from core.validators import MAX_ID

M = TypeVar("M", bound=Model)


def row_or_404(rows: QuerySet[M], pk: int, missing: str) -> M:
    """Row `pk` of `rows`, a queryset already narrowed to what the viewer may see; else a 404
    saying `missing` ("No such lead."), the same for a row that does not exist and one the viewer
    may not see. An id past the column's range is a 404 too, not a database error."""
    row = rows.filter(pk=pk).first() if pk <= MAX_ID else None
    if row is None:
        raise Http404(missing)
    return row


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever a page links: send them to the icon."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    healthy, report = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"code": "csrf_failed", "detail": f"CSRF check failed: {reason}", "fields": {}}
        return JsonResponse(body, status=403)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "Not found.", "fields": {}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"code": "server_error", "detail": "Something went wrong on our side.", "fields": {}}
        return JsonResponse(body, status=500)
    return render(request, "500.html", status=500)
