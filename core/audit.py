"""The audit log: who changed what, in which tenant, and when.

Every save and delete of a TenantOwned row is recorded by the signal receivers below, with the
fields before and after, so no view or service has to remember to. Sign-ins, failures and
refusals are recorded by calling `record()` explicitly. Bulk `update()`/`bulk_create()` bypass
signals: services that use them call `record()` themselves.

The actor comes from `audit_context()`, entered by the request middleware, the API after
authentication, tasks and commands.
"""

from __future__ import annotations

import datetime
import decimal
import io
import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, cast

from django.db import connection, models
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.models import AuditEvent, TenantOwned

__all__ = ["acting_in_audit", "audit_context", "current_audit", "record", "record_many"]

# Never written to the log, whatever the model says.
# The id is the event's object id and the tenant is the event's tenant: repeating them is noise.
ALWAYS_EXCLUDED = {
    "id",
    "tenant",
    "password",
    "key_hash",
    "updated_at",
    "created_at",
    "last_used_at",
    "last_login",
}


@dataclass(frozen=True)
class AuditContext:
    actor: Any = None
    # Set by `core.acting.acting_as`: names a system actor (which has no user) or overrides the
    # user's email.
    actor_label: str = ""
    source: str = ""
    ip_address: str | None = None
    credential: str = ""


_context: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current_audit() -> AuditContext:
    return _context.get() or AuditContext()


@contextmanager
def audit_context(
    *, actor: Any = None, source: str, ip_address: str | None = None, credential: str = ""
) -> Iterator[None]:
    context = AuditContext(actor=actor, source=source, ip_address=ip_address, credential=credential)
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


@contextmanager
def acting_in_audit(user: Any, label: str) -> Iterator[None]:
    """Name the actor of the events written inside the block, keeping the caller's source, address
    and credential. Called by `core.acting.acting_as`; services use that."""
    context = replace(current_audit(), actor=user, actor_label=label)
    token = _context.set(context)
    try:
        yield
    finally:
        _context.reset(token)


def _actor_parts(actor: Any) -> tuple[Any, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None, ""
    return actor, str(getattr(actor, "email", actor))


def _context_actor(ctx: AuditContext) -> tuple[Any, str]:
    user, label = _actor_parts(ctx.actor)
    return user, ctx.actor_label or label


def record(
    action: str,
    *,
    tenant: Any,
    obj: models.Model | None = None,
    changes: dict | None = None,
    actor: Any = None,
    actor_label: str = "",
    detail: str = "",
) -> AuditEvent:
    """Write one audit event. The actor defaults to the one in the current audit context."""
    ctx = current_audit()
    user, label = _actor_parts(actor) if actor is not None else _context_actor(ctx)
    return AuditEvent.all_tenants.create(
        tenant=tenant,
        actor=user,
        actor_label=(actor_label or label)[:254],
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
        source=ctx.source,
        ip_address=ctx.ip_address,
        credential=ctx.credential,
        detail=detail[:500],
    )


def record_many(
    entries: Sequence[tuple[str, models.Model, dict]], *, tenant: Any, detail: str = ""
) -> None:
    """Write one event per (action, object, changes) at once, for bulk writes (which bypass the
    signal receivers). On PostgreSQL one COPY: a bulk upsert of a thousand rows must not spend most
    of its time logging them."""
    if not entries:
        return
    ctx = current_audit()
    user, label = _context_actor(ctx)
    common = {
        "tenant_id": tenant.pk,
        "at": timezone.now(),
        "actor_id": getattr(user, "pk", None),
        "actor_label": label[:254],
        "source": ctx.source,
        "ip_address": ctx.ip_address,
        "detail": detail[:500],
        "credential": ctx.credential,
    }
    events = [
        {
            **common,
            "action": action,
            "object_type": obj._meta.label,
            "object_id": str(obj.pk),
            "object_repr": str(obj)[:200],
            "changes": _jsonable(changes),
        }
        for action, obj, changes in entries
    ]
    if connection.vendor != "postgresql":
        AuditEvent.all_tenants.bulk_create([AuditEvent(**e) for e in events], batch_size=500)
        return
    names = list(events[0])
    columns = ", ".join(
        f'"{cast(models.Field, AuditEvent._meta.get_field(n)).column}"' for n in names
    )
    buffer = io.StringIO()
    for event in events:
        cells = (json.dumps(event[n]) if n == "changes" else event[n] for n in names)
        buffer.write("\t".join(_copy_text(cell) for cell in cells) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f'COPY "{AuditEvent._meta.db_table}" ({columns}) FROM STDIN', buffer
        )


def _copy_text(value: Any) -> str:
    """One cell in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


_PLAIN_TYPES = frozenset({type(None), bool, int, float, str})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:  # the common case, checked without isinstance() chains
        return value
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        # In UTC, whatever zone the page that saved it ran in: the same moment is the same text.
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def _field_values(instance: models.Model) -> dict[str, Any]:
    excluded = ALWAYS_EXCLUDED | set(getattr(instance, "audit_exclude", ()))
    # Keyed by field name ("partner", not "partner_id"); foreign keys keep the id as value.
    return {
        field.name: _jsonable(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
        if field.name not in excluded
    }


def _audited(instance: Any) -> bool:
    if getattr(instance, "audit_skip", False):  # bookkeeping rows (tombstones, idempotency keys)
        return False
    return isinstance(instance, TenantOwned) or getattr(instance, "audit_as_tenant", False)


def _tenant_of(instance: Any) -> Any:
    return instance if getattr(instance, "audit_as_tenant", False) else instance.tenant


@receiver(pre_save)
def _remember_before(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not _audited(instance) or instance._state.adding or instance.pk is None:
        return
    before = type(instance)._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = _field_values(before) if before is not None else None


@receiver(post_save)
def _record_save(
    sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not _audited(instance):
        return
    after = _field_values(instance)
    if created:
        changes = {name: [None, value] for name, value in after.items() if value not in (None, "")}
        record(AuditEvent.Action.CREATE, tenant=_tenant_of(instance), obj=instance, changes=changes)
        return
    before = getattr(instance, "_audit_before", None) or {}
    instance._audit_before = None
    changes = {
        name: [before.get(name), value]
        for name, value in after.items()
        if before.get(name) != value
    }
    if changes:
        record(AuditEvent.Action.UPDATE, tenant=_tenant_of(instance), obj=instance, changes=changes)


@receiver(post_delete)
def _record_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if not _audited(instance):
        return
    before = {
        name: [value, None]
        for name, value in _field_values(instance).items()
        if value not in (None, "")
    }
    # A deleted tenant takes its own log with it; its deletion is logged platform-wide.
    tenant = None if getattr(instance, "audit_as_tenant", False) else instance.tenant
    record(AuditEvent.Action.DELETE, tenant=tenant, obj=instance, changes=before)
