"""Declared requirements across fields: the one copy a rule's validator and a form's labels read.

A rule such as "someone must be able to get back to the lead: an email, a phone number, or a name
and a company" is declared once, beside its model, as data:

    REACHABLE = RequiredOneOf(
        ("email", "phone", AllOf(RequiredOneOf(("first_name", "last_name")), "company")),
        message="Give an email, a phone number, or a name and a company, …",
        field="email",
    )

The model's `clean()` calls `REACHABLE.check(row)`; a form lists it in `requirements`
(`DeclaredRequirementsMixin`), which checks it the same way and marks each field the rule names
with the rule's hint ("One of these is required: …", written from the form's own labels) instead
of "(optional)". So a label can never call a field optional while the validation wants it: a
field shows "(optional)" only when it is not `required` and no declared rule names it
(`field_marker`).

`RequiredWhen` declares a field required under a condition ("the opportunity, for a discount");
the label then says so ("(required for a discount)", its `marker`). Where a service checks the
rules together with inputs the form does not have, the form sets `check_requirements = False`
and only marks its fields from the same declaration.

Plumbing: no business rule lives here, only the shapes of rules and how forms read them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from django import forms
from django.core.exceptions import ValidationError

__all__ = [
    "AllOf",
    "DeclaredRequirementsMixin",
    "Option",
    "RequiredOneOf",
    "RequiredWhen",
    "Rule",
    "field_marker",
]

Option = Union[str, "AllOf", "RequiredOneOf"]
# What a rule reads: a mapping of field values, a getter, or an object (a model row).
Values = object


def _given(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value not in (None, [], (), {})


def _getter(values: object) -> Callable[[str], Any]:
    if callable(values):
        return values
    if isinstance(values, Mapping):
        return values.get
    return lambda name: getattr(values, name, None)


def _met(option: Option, get: Callable[[str], Any]) -> bool:
    if isinstance(option, str):
        return _given(get(option))
    return option.is_met(get)


def _names(option: Option) -> tuple[str, ...]:
    return (option,) if isinstance(option, str) else option.field_names()


def _rename(option: Option, mapping: Mapping[str, str]) -> Option:
    if isinstance(option, str):
        return mapping.get(option, option)
    return option.renamed(mapping)


def _describe(option: Option, labels: Mapping[str, str], nested: bool) -> str:
    if isinstance(option, str):
        return labels.get(option, option.replace("_", " ").capitalize())
    return option.describe(labels, nested=nested)


@dataclass(frozen=True)
class AllOf:
    """Every part must be given (a part: a field name or a nested rule)."""

    parts: tuple[Option, ...]

    def __init__(self, *parts: Option) -> None:
        object.__setattr__(self, "parts", tuple(parts))

    def is_met(self, values: Values) -> bool:
        get = _getter(values)
        return all(_met(part, get) for part in self.parts)

    def field_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for part in self.parts for n in _names(part)))

    def renamed(self, mapping: Mapping[str, str]) -> Option:
        parts = tuple(dict.fromkeys(_rename(part, mapping) for part in self.parts))
        return parts[0] if len(parts) == 1 else AllOf(*parts)

    def describe(self, labels: Mapping[str, str], *, nested: bool = False) -> str:
        return " with ".join(_describe(part, labels, True) for part in self.parts)


@dataclass(frozen=True)
class RequiredOneOf:
    """At least one of `options` must be given (an option: a field name, or `AllOf` parts).

    `message` is the refusal, put on `field` (the first option's first field unless named)."""

    options: tuple[Option, ...]
    message: str = ""
    field: str = ""

    def is_met(self, values: Values) -> bool:
        get = _getter(values)
        return any(_met(option, get) for option in self.options)

    def field_names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for option in self.options for n in _names(option)))

    @property
    def error_field(self) -> str:
        return self.field or self.field_names()[0]

    def check(self, values: Values) -> None:
        """Raise the rule's ValidationError (on its field) unless it is met."""
        if not self.is_met(values):
            raise ValidationError({self.error_field: self.message or self.hint({})})

    def renamed(self, mapping: Mapping[str, str]) -> Any:
        """The same rule over other field names (a form that asks "name" for first and last);
        options that become the same are merged, a rule of one option becomes that option."""
        options = tuple(dict.fromkeys(_rename(option, mapping) for option in self.options))
        if len(options) == 1 and not self.message:
            return options[0]
        error_field = mapping.get(self.field, self.field)
        return RequiredOneOf(options, message=self.message, field=error_field)

    def describe(self, labels: Mapping[str, str], *, nested: bool = False) -> str:
        parts = [_describe(option, labels, True) for option in self.options]
        if len(parts) == 1:
            return parts[0]
        if nested:
            return "(" + " or ".join(parts) + ")"
        return ", ".join(parts[:-1]) + (", or " if len(parts) > 2 else " or ") + parts[-1]

    def hint(self, labels: Mapping[str, str]) -> str:
        """What a form shows on each field the rule names."""
        return f"One of these is required: {self.describe(labels)}."

    @property
    def marker(self) -> str:
        """What the label says: nothing (the hint under the field says it)."""
        return ""


@dataclass(frozen=True)
class RequiredWhen:
    """`field` must be given when another field has one of some values ("the opportunity, for a
    discount": `RequiredWhen("opportunity", when=("kind", ("discount",)), when_text="for a
    discount", message=…)`)."""

    field: str
    when: tuple[str, tuple[Any, ...]]
    when_text: str
    message: str = ""

    def applies(self, values: Values) -> bool:
        name, wanted = self.when
        return _getter(values)(name) in wanted

    def is_met(self, values: Values) -> bool:
        return not self.applies(values) or _given(_getter(values)(self.field))

    def field_names(self) -> tuple[str, ...]:
        return (self.field,)

    @property
    def error_field(self) -> str:
        return self.field

    def check(self, values: Values) -> None:
        if not self.is_met(values):
            raise ValidationError({self.field: self.message or self.hint({})})

    @property
    def marker(self) -> str:
        """What the label says: "(required for a discount)"."""
        return f"required {self.when_text}"

    def hint(self, labels: Mapping[str, str]) -> str:
        return f"Required {self.when_text}."


Rule = RequiredOneOf | RequiredWhen


def field_marker(field_: forms.Field) -> str:
    """ "required", "declared" (a declared rule names it: its hint or marker shows) or
    "optional": what the label shows."""
    if field_.required:
        return "required"
    if getattr(field_, "requirement", ""):
        return "declared"
    return "optional"


class DeclaredRequirementsMixin:
    """A form whose cross-field requirements are declared rules (`requirements`): each field a
    rule names carries the rule's hint as `field.requirement` (the field templates show it instead
    of "(optional)"), and `clean()` refuses a submission that breaks a rule with the rule's own
    message, on its field."""

    requirements: tuple[Rule, ...] = ()
    # False where a service checks the same rules with the other inputs it needs (the form then
    # only marks the fields, and the view shows the service's message).
    check_requirements: bool = True
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            name: str(f.label or name.replace("_", " ").capitalize())
            for name, f in self.fields.items()
        }
        for rule in self.requirements:
            hint = rule.hint(labels)
            for name in rule.field_names():
                if name in self.fields:
                    self.fields[name].requirement = hint  # type: ignore[attr-defined]
                    self.fields[name].requirement_marker = rule.marker  # type: ignore[attr-defined]

    def requirement_notes(self) -> dict[str, dict[str, Any]]:
        """For hand-laid-out templates: each field's label, marker and rule hint."""
        return {
            name: {
                "label": f.label or name.replace("_", " ").capitalize(),
                "marker": field_marker(f),
                "optional": field_marker(f) == "optional",
                "requirement": getattr(f, "requirement", ""),
                "requirement_marker": getattr(f, "requirement_marker", ""),
            }
            for name, f in self.fields.items()
        }

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}  # type: ignore[misc]
        errors = getattr(self, "_errors", None) or {}
        for rule in self.requirements if self.check_requirements else ():
            if any(name in errors for name in rule.field_names()):
                continue  # an invalid value: its own message says what is wrong
            try:
                rule.check(data)
            except ValidationError as error:
                target = rule.error_field if rule.error_field in self.fields else None
                self.add_error(target, error.messages)  # type: ignore[attr-defined]
        return data
