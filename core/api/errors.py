"""One error body for the whole API: `{"code", "detail", "fields"}`.

`code` is stable and machine-readable; `detail` is a sentence for people; `fields` maps each
invalid input (dotted path for nested data, `non_field_errors` otherwise) to its messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.audit import record

__all__ = ["Conflict", "exception_handler", "flatten_errors"]


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def flatten_errors(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error structure into {"field.sub": [messages]}."""
    if isinstance(errors, dict):
        out: dict[str, list[str]] = {}
        for key, value in errors.items():
            out.update(flatten_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(errors, list) and errors and all(isinstance(e, str) for e in errors):
        return {prefix or "non_field_errors": [str(e) for e in errors]}
    if isinstance(errors, list):
        out = {}
        for index, value in enumerate(errors):
            out.update(flatten_errors(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(errors)]}


def _convert(exc: Exception) -> Exception:
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        # A service's reason ("This lead is not assigned to you.") is worth keeping.
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        return exceptions.ValidationError(detail)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Conflict("This object is still in use by other records and cannot be deleted.")
    if isinstance(exc, IntegrityError):
        # A concurrent write won a uniqueness race that validation checked a moment earlier.
        return Conflict("A conflicting record was written at the same time; retry the request.")
    return exc


def exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _convert(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if isinstance(exc, exceptions.ValidationError):
        body = {
            "code": "invalid",
            "detail": "Some input is not valid.",
            "fields": flatten_errors(exc.detail),
        }
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"code": str(code), "detail": str(detail), "fields": {}}
    if (
        isinstance(exc, exceptions.PermissionDenied)
        and request is not None
        and getattr(request, "tenant", None) is not None
    ):
        record(
            "denied",
            tenant=request.tenant,
            detail=f"{request.method} {request.path}: {body['detail']}",
        )
    if hasattr(exc, "current_version"):
        body["current_version"] = exc.current_version
    # Refusals that say more in keys of their own (e.g. the actions a state allows).
    body.update(getattr(exc, "extra_body", {}))
    response.data = body
    return response
