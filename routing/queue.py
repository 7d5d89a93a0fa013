"""Handing stored leads to background processing (routing.tasks.process_leads).

Queued by task name, not by importing the task: the tasks module calls the services, so the
services reaching back into it would close a circle. `routing.apps` imports the tasks when Django
starts, so the name is registered in every process (and in eager mode the task runs inline).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from celery import current_app
from django.db import transaction

__all__ = ["BATCH", "PROCESS_LEADS", "queue_processing"]

log = logging.getLogger(__name__)

BATCH = 500
PROCESS_LEADS = "routing.tasks.process_leads"


def queue_processing(
    tenant_id: int, lead_ids: Iterable[int], *, countdown: float | None = None
) -> None:
    """After the storing transaction commits, queue the leads for processing (after `countdown`
    seconds). A broker that is down loses nothing: the leads stay unprocessed and
    `routing.services.sweep_unprocessed` picks them up."""
    ids = sorted(set(lead_ids))
    if not ids or (countdown and current_app.conf.task_always_eager):
        return  # run inline, a delayed batch would run at once: the sweeper takes it later

    # No countdown is no option at all (Celery's stubs want a number when one is given).
    options: dict[str, Any] = {"countdown": countdown} if countdown else {}

    def publish() -> None:
        try:
            for start in range(0, len(ids), BATCH):
                current_app.signature(
                    PROCESS_LEADS,
                    kwargs={"tenant_id": tenant_id, "lead_ids": ids[start : start + BATCH]},
                ).apply_async(**options)
        except Exception:  # the broker is down: the sweeper will find them
            log.warning("could not queue %d leads; the sweeper will process them", len(ids))

    transaction.on_commit(publish)
