"""Tenancy's part of the console home: imports that failed or refused rows, and webhook deliveries
that failed, of the last seven days."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.models import ImportJob, WebhookDelivery, WebhookEndpoint
from core.tenancy import tenant_scope
from tenancy.tests.home_helpers import home_page, queue_on

pytestmark = pytest.mark.django_db


def job(world, **fields) -> ImportJob:
    return ImportJob.objects.create(
        tenant=world.tenant, resource="accounts", filename="a.csv", content="x", **fields
    )


def test_the_console_lists_imports_with_errors_and_failed_deliveries(world, login_as):
    with tenant_scope(world.tenant):
        job(world, status=ImportJob.Status.FAILED)
        job(world, status=ImportJob.Status.DONE, counts={"created": 2, "error": 1})
        job(world, status=ImportJob.Status.DONE, counts={"created": 3, "error": 0})
        old = job(world, status=ImportJob.Status.FAILED)
        ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
        endpoint = WebhookEndpoint.objects.create(
            tenant=world.tenant, url="https://hooks.example.com/cb", events=["*"]
        )
        WebhookDelivery.objects.create(
            tenant=world.tenant,
            endpoint=endpoint,
            event="lead.created",
            payload={},
            status=WebhookDelivery.Status.FAILED,
            last_attempt_at=timezone.now(),
        )
    client = login_as("admin")

    found = {w.label: w for w in queue_on(home_page(client, "console"))}

    assert found["Imports with errors"].count == 2
    assert found["Imports with errors"].url == "/console/alpha/imports/"
    deliveries = found["Webhook deliveries that failed"]
    assert deliveries.count == 1
    assert deliveries.url == "/console/alpha/webhooks/deliveries/?status=failed"
    assert client.get(deliveries.url).status_code == 200
