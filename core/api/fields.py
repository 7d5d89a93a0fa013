"""Relation fields that resolve incoming ids inside the request's tenant and visibility, so an id
from another tenant (or another partner) is a 400 "does not exist", never a cross-tenant link."""

from __future__ import annotations

from typing import Any

from django.db import models
from rest_framework import serializers

__all__ = ["InTenant"]


class InTenant(serializers.PrimaryKeyRelatedField):
    def __init__(self, model: type[models.Model], **kwargs: Any) -> None:
        self.related_model = model
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        request = self.context.get("request")
        membership = getattr(request, "membership", None)
        if membership is None:
            return self.related_model.objects.none()
        return self.related_model.objects.visible_to(membership)
