"""The audit log in words: what each event says ("Anna Admin published rulebook version 3",
"rep@acme.example accepted lead #42"), its fields before and after with the tenant's labels and
names instead of raw values and ids, and a link to the object's page where one exists.

The log (core.models.AuditEvent, written by core.audit) stores model labels, field names and raw
values. This module reads them back through the model's own metadata (verbose names, choices,
foreign keys), so every model is readable without registering anything. What a generic reading
cannot know, how to say a change ("accepted" rather than "changed the status of") and which page
shows the object, the app that owns the model registers with `register_audit_subject()` from its
`pages.py`; tenancy, the lowest app, never imports them.

`describe_events()` reads a page of events with a bounded number of queries: one per kind of
related row named in the page's changes, and one per kind of object linked, never one per event.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.models import AuditEvent, TenantOwned

__all__ = [
    "AuditEntry",
    "AuditSubject",
    "FieldChange",
    "audited_types",
    "describe_events",
    "field_verbs",
    "register_audit_subject",
]

# Values longer than this are cut in the diff; the rest opens with <details>.
SHORT_VALUE = 80
# Fields of one event shown at once; the rest open with <details>.
FIRST_FIELDS = 6

Changes = Mapping[str, Any]


@dataclass(frozen=True)
class AuditSubject:
    """How the log speaks of one model (`object_type`, its label: "pipeline.Lead").

    `noun`: what a row is called ("lead"; default the model's verbose name); `name(object_id,
    object_repr)`: how the sentence names a row (default the repr in quotes); `verb(changes)`: the
    verb of an update, from what changed (None: "changed"); `url_name`: the console page of a row,
    reversed with the tenant slug and the row's id."""

    object_type: str
    noun: str = ""
    name: Callable[[str, str], str] | None = None
    verb: Callable[[Changes], str | None] | None = None
    url_name: str = ""


_SUBJECTS: dict[str, AuditSubject] = {}


def register_audit_subject(subject: AuditSubject) -> None:
    if subject.object_type in _SUBJECTS:
        raise ValueError(f"audit subject {subject.object_type!r} is registered twice")
    _SUBJECTS[subject.object_type] = subject


def field_verbs(
    field_name: str, verbs: Mapping[str, str], *, otherwise: Mapping[str, str] | None = None
) -> Callable[[Changes], str | None]:
    """A `verb()` for a status-like field: the verb for the field's new value (`verbs`), or, when
    that field did not change, the verb for the first other field that did (`otherwise`)."""

    def verb(changes: Changes) -> str | None:
        pair = changes.get(field_name)
        if isinstance(pair, list | tuple) and len(pair) == 2 and str(pair[1]) in verbs:
            return verbs[str(pair[1])]
        for other, text in (otherwise or {}).items():
            if other in changes:
                return text
        return None

    return verb


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        return None


def _noun(object_type: str, model: type[models.Model] | None) -> str:
    subject = _SUBJECTS.get(object_type)
    if subject is not None and subject.noun:
        return subject.noun
    if model is not None:
        return str(model._meta.verbose_name)
    return object_type.rpartition(".")[2].lower()


def audited_types() -> list[tuple[str, str]]:
    """(label, name) of every model the log records, by name: the object type filter's choices."""
    found = [
        (model._meta.label, _noun(model._meta.label, model))
        for model in apps.get_models()
        if issubclass(model, TenantOwned) or getattr(model, "audit_as_tenant", False)
    ]
    return sorted(((label, noun[:1].upper() + noun[1:]) for label, noun in found), key=_by_name)


def _by_name(choice: tuple[str, str]) -> tuple[str, str]:
    return choice[1].lower(), choice[0]


# --- one event ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A value as shown: `short` (at most SHORT_VALUE characters), and `full` when it was cut."""

    short: str
    full: str = ""

    @classmethod
    def of(cls, text: str) -> Value:
        if len(text) <= SHORT_VALUE:
            return cls(text)
        return cls(text[: SHORT_VALUE - 1].rstrip() + "…", text)


@dataclass(frozen=True)
class FieldChange:
    """One field of an event: its label and the value before and after (None: not shown, as
    before a creation or after a deletion)."""

    label: str
    before: Value | None
    after: Value | None


@dataclass
class AuditEntry:
    """An event in words: `actor` `verb` `noun` `name` (linked to `url` when the row has a page)."""

    event: AuditEvent
    actor: str
    actor_detail: str
    verb: str
    noun: str
    name: str
    url: str = ""
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def first_changes(self) -> list[FieldChange]:
        return self.changes[:FIRST_FIELDS]

    @property
    def more_changes(self) -> list[FieldChange]:
        return self.changes[FIRST_FIELDS:]


ACTION_VERBS: dict[str, str] = {
    AuditEvent.Action.CREATE: "created",
    AuditEvent.Action.UPDATE: "changed",
    AuditEvent.Action.DELETE: "deleted",
    AuditEvent.Action.LOGIN: "signed in",
    AuditEvent.Action.LOGIN_FAILED: "could not sign in",
    AuditEvent.Action.LOGOUT: "signed out",
    AuditEvent.Action.DENIED: "was refused",
}


def _actor(event: AuditEvent) -> tuple[str, str]:
    """Who acted, and the email behind a full name (shown on hover)."""
    user = event.actor
    if user is not None and user.get_full_name() != user.email:
        return user.get_full_name(), event.actor_label or user.email
    if event.actor_label:
        return event.actor_label, ""
    if user is not None:
        return user.email, ""
    return "The system", ""


def _verb(event: AuditEvent, changes: Changes) -> str:
    subject = _SUBJECTS.get(event.object_type)
    if event.action == AuditEvent.Action.UPDATE and subject is not None and subject.verb:
        said = subject.verb(changes)
        if said:
            return said
    return ACTION_VERBS.get(event.action, event.get_action_display().lower())


def _name(event: AuditEvent) -> str:
    subject = _SUBJECTS.get(event.object_type)
    if subject is not None and subject.name is not None:
        return subject.name(event.object_id, event.object_repr)
    if event.object_repr:
        return f"“{event.object_repr}”"
    return f"#{event.object_id}" if event.object_id else ""


# --- values ----------------------------------------------------------------------------------


def _field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _label(model_field: models.Field | None, name: str) -> str:
    text = str(model_field.verbose_name) if model_field is not None else name.replace("_", " ")
    return text[:1].upper() + text[1:]


def _related_model(model_field: models.Field | None) -> type[models.Model] | None:
    if model_field is None or not (model_field.many_to_one or model_field.one_to_one):
        return None
    related = model_field.related_model
    return related if isinstance(related, type) else None


def _as_id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _row_name(row: models.Model) -> str:
    full_name = getattr(row, "get_full_name", None)
    return full_name() if callable(full_name) else str(row)


def _names(wanted: Mapping[type[models.Model], set[int]]) -> dict[tuple[type, int], str]:
    """What each related row is called, one query per model, within the tenant's scope (a row
    of the tenant's default manager only: an id the viewer may not read stays an id)."""
    names: dict[tuple[type, int], str] = {}
    for model, ids in wanted.items():
        rows = list(model._default_manager.filter(pk__in=sorted(ids)))
        names.update({(model, row.pk): _row_name(row) for row in rows})
    return names


def _text(
    model_field: models.Field | None, value: Any, names: Mapping[tuple[type, int], str]
) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    related = _related_model(model_field)
    if related is not None:
        row_id = _as_id(value)
        return names.get((related, row_id), f"#{value}") if row_id else f"#{value}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if model_field is not None and model_field.choices:
        choices = {str(k): str(v) for k, v in model_field.flatchoices}
        if isinstance(value, list):
            return ", ".join(choices.get(str(v), str(v)) for v in value)
        return choices.get(str(value), str(value))
    if isinstance(model_field, models.DecimalField) and isinstance(value, str | int | float):
        try:
            number = decimal.Decimal(str(value))
        except decimal.InvalidOperation:
            return str(value)
        return f"{number:,.{model_field.decimal_places or 0}f}"
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _pairs(event: AuditEvent) -> dict[str, tuple[Any, Any]]:
    """The event's changes as {field: (before, after)}, skipping malformed entries."""
    changes = event.changes if isinstance(event.changes, dict) else {}
    return {
        str(name): (pair[0], pair[1])
        for name, pair in changes.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    }


# --- a page of events ---------------------------------------------------------------------------


def describe_events(
    events: Iterable[AuditEvent], *, door: str, tenant_slug: str
) -> list[AuditEntry]:
    """The entries of a page of events (read with `select_related("actor")`), in order."""
    events = list(events)
    models_of = {e.object_type: _model(e.object_type) for e in events}

    # The related rows named in the changes, and the objects that may have a page.
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    for event in events:
        model = models_of[event.object_type]
        for name, pair in _pairs(event).items():
            related = _related_model(_field(model, name))
            if related is not None:
                wanted[related].update(i for i in map(_as_id, pair) if i)
    names = _names(wanted)
    existing = _existing_objects(events, models_of)

    entries = []
    for event in events:
        model = models_of[event.object_type]
        pairs = _pairs(event)
        actor, actor_detail = _actor(event)
        entry = AuditEntry(
            event=event,
            actor=actor,
            actor_detail=actor_detail,
            verb=_verb(event, {k: list(v) for k, v in pairs.items()}),
            noun=_noun(event.object_type, model) if event.object_type else "",
            name=_name(event) if event.object_type else "",
            url=_url(event, existing, door, tenant_slug),
        )
        for name, (before, after) in pairs.items():
            model_field = _field(model, name)
            entry.changes.append(
                FieldChange(
                    label=_label(model_field, name),
                    before=(
                        None
                        if event.action == AuditEvent.Action.CREATE
                        else Value.of(_text(model_field, before, names))
                    ),
                    after=(
                        None
                        if event.action == AuditEvent.Action.DELETE
                        else Value.of(_text(model_field, after, names))
                    ),
                )
            )
        entries.append(entry)
    return entries


def _existing_objects(
    events: list[AuditEvent], models_of: Mapping[str, type[models.Model] | None]
) -> set[tuple[str, str]]:
    """(object type, id) of the page's objects that still exist and have a page."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        subject = _SUBJECTS.get(event.object_type)
        if subject is None or not subject.url_name or not event.object_id.isdigit():
            continue
        if event.action == AuditEvent.Action.DELETE:
            continue
        ids[event.object_type].add(int(event.object_id))
    found: set[tuple[str, str]] = set()
    for object_type, wanted in ids.items():
        model = models_of.get(object_type)
        if model is None:
            continue
        rows = model._default_manager.filter(pk__in=sorted(wanted)).values_list("pk", flat=True)
        found.update((object_type, str(pk)) for pk in rows)
    return found


def _url(event: AuditEvent, existing: set[tuple[str, str]], door: str, tenant_slug: str) -> str:
    if (event.object_type, event.object_id) not in existing:
        return ""
    subject = _SUBJECTS[event.object_type]
    try:
        return reverse(f"{door}:{subject.url_name}", args=[tenant_slug, int(event.object_id)])
    except NoReverseMatch:
        return ""
