"""Serializer bases for tenant-owned models.

`ModelValidatedSerializer`: runs the model's own validation (its field validators and `clean()`)
on the validated data, so a rule about one row is written once, on the model, and the console's
forms and the API refuse the same input with the same message (see docs/architecture.md, "Where
validation lives"). Rules across rows stay in the app's services.

`TenantModelSerializer`: the tenant is never a serializer field (it comes from the credential), so
DRF builds no validators for the tenant-first unique constraints; this base checks them inside the
tenant, turning a duplicate into a field error (400) instead of a database error.

`SyncedModelSerializer`: for CRM-synced rows. Adds the read-only `version`, and splits writes into
the row itself and its *nested* parts (domains, line items, members...), which `after_save()`
writes. Single writes, bulk upserts and CSV imports all go through the same two steps.
"""

from __future__ import annotations

import copy
import functools
from typing import Any, ClassVar, Generic, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import UniqueConstraint
from rest_framework import serializers
from rest_framework.settings import api_settings

from core.api.fields import context_membership
from core.models import TenantOwned
from core.sync import Synced

__all__ = ["ModelValidatedSerializer", "SyncedModelSerializer", "TenantModelSerializer"]


class ModelValidatedSerializer(serializers.ModelSerializer):
    """Runs the model's row rules on what the serializer validated, `full_clean`-style: the
    validators of each model field it sets, then `clean()` on the row as it would be saved (a new
    row, or a copy of the instance with the changes, so a partial update is checked whole).

    Relations are not looked up again (the serializer resolved them) and uniqueness is checked by
    `TenantModelSerializer`: this costs no query, so bulk upserts validate each row for free.
    Django's errors keep their field and message (`__all__` becomes `non_field_errors`)."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        try:
            self.run_model_validation(attrs)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_drf_errors(exc)) from None
        return attrs

    def run_model_validation(self, attrs: dict[str, Any]) -> None:
        model: type[models.Model] = self.Meta.model
        columns = _columns(model)
        errors: dict[str, list[DjangoValidationError]] = {}
        for name, value in attrs.items():
            field = columns.get(name)
            if field is None or field.is_relation:
                continue
            try:
                field.run_validators(value)
            except DjangoValidationError as exc:
                errors[name] = exc.error_list
        if errors:
            raise DjangoValidationError(errors)
        if model.clean is not models.Model.clean:  # most models have no row rule to build for
            self._row_as_saved(model, {k: v for k, v in attrs.items() if k in columns}).clean()

    def _row_as_saved(self, model: type[models.Model], changes: dict[str, Any]) -> models.Model:
        """A copy of the row with the changes; the instance itself changes only when it is saved.
        A new row is copied from a blank one made once per serializer (a bulk batch shares one
        serializer), which costs a fraction of building each with `model(**changes)`."""
        if self.instance is None or isinstance(self.instance, list | tuple | models.QuerySet):
            if getattr(self, "_blank_row", None) is None:
                self._blank_row = model()
            row = copy.copy(self._blank_row)
        else:
            row = copy.copy(self.instance)
        for name, value in changes.items():
            setattr(row, name, value)
        return row


@functools.cache
def _columns(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.name: f for f in model._meta.concrete_fields}


def _drf_errors(exc: DjangoValidationError) -> Any:
    """A Django ValidationError as DRF's error detail, field by field."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key: messages
        for key, messages in exc.message_dict.items()
    }


class TenantModelSerializer(ModelValidatedSerializer):
    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        model: type[TenantOwned] = self.Meta.model
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and "tenant" in constraint.fields:
                self._check_unique_in_tenant(model, constraint, attrs)
        return attrs

    def _check_unique_in_tenant(
        self, model: type[TenantOwned], constraint: UniqueConstraint, attrs: dict
    ) -> None:
        others = [f for f in constraint.fields if f != "tenant"]
        if not others or not any(f in attrs for f in others):
            return
        if self.context.get("skip_unique_checks"):
            return  # a bulk write checks its whole batch at once
        instance = self.instance
        lookup = {f: attrs[f] if f in attrs else getattr(instance, f, None) for f in others}
        existing = model.objects.filter(**lookup)
        if constraint.condition is not None:
            # Rows outside the condition (e.g. empty external ids) never conflict.
            existing = existing.filter(constraint.condition)
        if instance is not None:
            existing = existing.exclude(pk=instance.pk)
        if existing.exists():
            field = next(f for f in others if f in attrs)
            label = model._meta.verbose_name
            raise serializers.ValidationError(
                {field: [f"A {label} with this {field.replace('_', ' ')} already exists."]}
            )

    @property
    def membership(self) -> Any:
        return context_membership(self.context)


SyncedRow = TypeVar("SyncedRow", bound=Synced)


class SyncedModelSerializer(TenantModelSerializer, Generic[SyncedRow]):
    """Base for CRM-synced resources. Subclasses list their nested fields in `nested_fields` and
    write them in `after_save(instance, nested, created, before)`, where `before` is whatever
    `before_update()` noted about the row before it changed (e.g. its old stage)."""

    nested_fields: ClassVar[tuple[str, ...]] = ()
    # Fields about the manufacturer's own people, left out of what partner users are shown.
    direct_only_fields: ClassVar[tuple[str, ...]] = ()
    # Relations a bulk upsert prefetches on existing rows, so `nested_differs()` costs no query.
    nested_prefetch: ClassVar[tuple[str, ...]] = ()

    version = serializers.IntegerField(read_only=True)

    def to_representation(self, instance: models.Model) -> dict[str, Any]:
        data = super().to_representation(instance)
        membership = self.membership
        if membership is not None and getattr(membership, "is_partner_user", False):
            for name in self.direct_only_fields:
                data.pop(name, None)
        return data

    def split(self, validated: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        nested = {name: validated.pop(name) for name in self.nested_fields if name in validated}
        return validated, nested

    def create(self, validated_data: dict[str, Any]) -> SyncedRow:
        fields, nested = self.split(dict(validated_data))
        model: type[SyncedRow] = self.Meta.model
        with transaction.atomic():
            instance = model.objects.create(**fields)
            self.after_save(instance, nested, created=True, before=None)
        return instance

    def update(self, instance: SyncedRow, validated_data: dict[str, Any]) -> SyncedRow:
        fields, nested = self.split(dict(validated_data))
        with transaction.atomic():
            before = self.before_update(instance, fields)
            for name, value in fields.items():
                setattr(instance, name, value)
            instance.save()
            self.after_save(instance, nested, created=False, before=before)
        return instance

    def nested_differs(self, instance: SyncedRow, nested: dict[str, Any]) -> bool:
        """Hook: whether writing `nested` would change the row's nested parts. A CRM that sends
        the same record again must get "unchanged", not a new version and a webhook."""
        return bool(nested)

    def before_update(self, instance: SyncedRow, fields: dict[str, Any]) -> Any:
        """Hook: look at the row before it changes (e.g. remember the old stage)."""

    def after_save(
        self, instance: SyncedRow, nested: dict[str, Any], created: bool, before: Any = None
    ) -> None:
        """Hook: write the nested parts of the record."""
