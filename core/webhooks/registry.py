"""Webhook resources and event names: which models emit events, under what name, rendered by
which serializer. Higher apps register their resources from `AppConfig.ready()`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

__all__ = [
    "ACTIONS",
    "Resource",
    "event_choices",
    "known_events",
    "normalize_events",
    "register_resource",
    "resource_for",
]

ACTIONS = ("created", "updated", "deleted")


@dataclass(frozen=True)
class Resource:
    model: type[models.Model]
    name: str
    serializer_class: type
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()


_RESOURCES: dict[type[models.Model], Resource] = {}


def register_resource(
    model: type[models.Model],
    name: str,
    serializer_class: type,
    *,
    select_related: tuple[str, ...] = (),
    prefetch_related: tuple[str, ...] = (),
) -> None:
    """Make `model` a webhook resource: its writes emit `<name>.created|updated|deleted`, with
    `serializer_class` rendering `data`. `select_related`/`prefetch_related` keep rendering a
    batch from costing a query per row. Call from the owning app's `AppConfig.ready()`."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"webhook resource name {name!r}: use lowercase letters, digits and _")
    resource = Resource(model, name, serializer_class, select_related, prefetch_related)
    if _RESOURCES.get(model, resource) != resource:
        raise ValueError(f"{model._meta.label} is registered as a webhook resource twice")
    if any(r.name == name and r.model is not model for r in _RESOURCES.values()):
        raise ValueError(f"webhook resource name {name!r} is taken")
    _RESOURCES[model] = resource


def resource_for(model: type[models.Model]) -> Resource | None:
    """The resource `model` is registered as, or None: its writes emit no events."""
    return _RESOURCES.get(model)


def known_events() -> list[str]:
    return [f"{r.name}.{action}" for r in _RESOURCES.values() for action in ACTIONS]


def event_choices() -> list[tuple[str, str]]:
    """What an endpoint can subscribe to, for forms: everything, per resource, per event."""
    choices = [("*", "Every event")]
    for r in _RESOURCES.values():
        label = r.name.replace("_", " ")
        choices.append((f"{r.name}.*", f"Every {label} event"))
        choices += [(f"{r.name}.{action}", f"{label} {action}") for action in ACTIONS]
    return choices


def normalize_events(values: Iterable[Any]) -> list[str]:
    """The subscription as stored: valid names only, each once, in the order given."""
    allowed = {value for value, _ in event_choices()}
    events = list(dict.fromkeys(str(v).strip() for v in values))
    unknown = [e for e in events if e not in allowed]
    if unknown:
        raise ValidationError(
            f"Unknown events: {', '.join(unknown)}. Use an event name such as "
            "'contact.created', '<resource>.*' or '*'."
        )
    if not events:
        raise ValidationError("Subscribe to at least one event.")
    return events
