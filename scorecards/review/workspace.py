"""A review's life: opened for a quarter, prepared from live data in the background (progress in
the row's `job_*` fields, read by the page's progress bar), prepared again as often as wanted while
it is open, and signed off once, which freezes its figures and decisions for good.

The work of preparing is the sections' (`scorecards.review.sections.SECTIONS`): each builds one
JSON-ready dict from the quarter's live data. They are gathered outside any long transaction, so
the progress is visible while they run, and written together at the end under the review's row
lock: a review signed off meanwhile is left as it was signed.

The `prepare_review` task lives here, beside the work it runs, so a service queues it without
importing a tasks module back."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from celery import shared_task
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.acting import SystemActor, action
from core.rows import lock_row
from core.tasks import TenantTask
from scorecards.choices import DecisionStatus, JobStatus, ReviewStatus
from scorecards.models import GovernanceReview, ReviewDecision
from scorecards.review.period import Period, Progress, quarter_of
from scorecards.review.sections import SECTIONS, Section
from tenancy.acting import Acting
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "AUTO_OPEN_DAYS",
    "STALE_JOB",
    "decision_row",
    "may_govern",
    "open_due_review",
    "open_review",
    "prepare_now",
    "prepare_review",
    "run_preparation",
    "shown_decisions",
    "sign_off",
    "start_preparation",
]

# A preparation that has not finished in this long is presumed lost (a worker died): it may be
# started again.
STALE_JOB = dt.timedelta(hours=1)


def may_govern(acting: Acting) -> None:
    """Opening, preparing, deciding and signing off are RevOps admins' (or the system's)."""
    if isinstance(acting, Membership) and not acting.is_admin:
        raise PermissionDenied("Only RevOps admins prepare and sign off governance reviews.")


@action
def open_review(tenant: Tenant, quarter: Quarter, *, acting: Acting) -> GovernanceReview:
    """The quarter's review, opened if it has none yet (one review per quarter)."""
    may_govern(acting)
    review, _ = GovernanceReview.objects.get_or_create(tenant=tenant, quarter_start=quarter.start)
    return review


def _running(review: GovernanceReview, now: dt.datetime) -> bool:
    if review.job_status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return False
    return review.job_started_at is None or now - review.job_started_at < STALE_JOB


def _mark_queued(review: GovernanceReview, acting: Acting) -> GovernanceReview:
    """Mark an open review's preparation as queued (inside the caller's transaction); refused on a
    signed-off review, and a second time while one is running."""
    now = timezone.now()
    review = lock_row(review)
    review.refuse_if_frozen()
    if _running(review, now):
        raise ValidationError(
            {"review": "This review is being prepared already; wait for it to finish."}
        )
    review.job_status = JobStatus.QUEUED
    review.job_started_at = now
    review.job_finished_at = None
    review.job_done, review.job_total, review.job_step, review.job_error = 0, 0, "Queued", ""
    if isinstance(acting, Membership):
        review.prepared_by = acting.user
    review.save()
    return review


# The review of a quarter that has just ended is opened and prepared by itself in the next
# quarter's first days (`open_due_review`, daily), so RevOps finds it waiting.
AUTO_OPEN_DAYS = 30


@action
def open_due_review(
    tenant: Tenant, *, acting: Acting, today: dt.date | None = None
) -> GovernanceReview | None:
    """Open and queue the preparation of the review of the quarter that ended last, when the
    current quarter is no older than AUTO_OPEN_DAYS and that review does not exist yet (one
    opened by hand, or signed off, is left alone); the review opened, or None."""
    today = today or timezone.localdate(timezone=tenant.zone)
    current = Quarter.of(tenant, today)
    if (today - current.start).days >= AUTO_OPEN_DAYS:
        return None
    ended = current.previous
    if GovernanceReview.objects.filter(quarter_start=ended.start).exists():
        return None
    return start_preparation(open_review(tenant, ended, acting=acting), acting=acting)


@action
def start_preparation(review: GovernanceReview, *, acting: Acting) -> GovernanceReview:
    """Queue the preparation of an open review in the background (`prepare_review`)."""
    may_govern(acting)
    with transaction.atomic():
        review = _mark_queued(review, acting)
        prepare_review.delay_on_commit(tenant_id=review.tenant_id, review_id=review.pk)
    return review


@action
def run_preparation(review_id: int, *, acting: Acting) -> GovernanceReview | None:
    """Build every section from live data and store them on the review. Idempotent: a signed-off
    review is left alone; a rerun builds everything again."""
    review = GovernanceReview.objects.select_related("tenant").filter(pk=review_id).first()
    if review is None or review.is_frozen:
        return review
    sections = list(SECTIONS)
    GovernanceReview.objects.filter(pk=review.pk).update(
        job_status=JobStatus.RUNNING,
        job_started_at=timezone.now(),
        job_done=0,
        job_total=len(sections) * 100,
        job_error="",
    )
    try:
        return _prepare(review, sections, acting)
    except Exception as exc:
        GovernanceReview.objects.filter(pk=review.pk).update(
            job_status=JobStatus.FAILED,
            job_error=f"{type(exc).__name__}: {exc}"[:2000],
            job_finished_at=timezone.now(),
        )
        raise


def _prepare(review: GovernanceReview, sections: list[Section], acting: Acting) -> GovernanceReview:
    started = time.monotonic()
    period = Period.of(review, acting)
    progress = Progress(review.pk, len(sections))
    built: dict[str, Any] = {}
    for index, section in enumerate(sections):
        progress.begin(index, f"Gathering {section.title.lower()}")
        built[section.key] = section.build(period, progress)
    now = timezone.now()
    data = {
        "quarter": {
            "code": period.quarter.code,
            "label": period.quarter.label,
            "start": period.quarter.start.isoformat(),
            "last_day": period.quarter.last_day.isoformat(),
        },
        "currency": review.tenant.currency,
        "prepared_at": now.isoformat(),
        "seconds": round(time.monotonic() - started, 2),
        "sections": built,
    }
    with transaction.atomic():
        review = lock_row(review)
        if review.is_frozen:  # signed off while this ran: the signed figures stay
            return review
        review.data = data
        review.prepared_at = now
        review.job_status = JobStatus.DONE
        review.job_done = review.job_total = len(sections) * 100
        review.job_step = "Prepared"
        review.job_finished_at = now
        review.save()
    return review


@shared_task(base=TenantTask, name="scorecards.tasks.prepare_review", ignore_result=True)
def prepare_review(*, tenant_id: int, review_id: int) -> None:
    run_preparation(review_id, acting=SystemActor("governance review preparation"))


@action
def prepare_now(review: GovernanceReview, *, acting: Acting) -> GovernanceReview:
    """Prepare in this process and wait (the demo, commands and tests), with the same refusals
    as `start_preparation`."""
    may_govern(acting)
    with transaction.atomic():
        review = _mark_queued(review, acting)
    return run_preparation(review.pk, acting=acting) or review


def shown_decisions(review: GovernanceReview) -> QuerySet[ReviewDecision]:
    """The decisions an open review shows: those raised in it, and those still open from earlier
    reviews (carried over until done or dropped). A signed-off review shows
    `decisions_at_sign_off` instead: what they were when it froze."""
    earlier_open = Q(review__quarter_start__lt=review.quarter_start, status=DecisionStatus.OPEN)
    return (
        ReviewDecision.objects.filter(Q(review=review) | earlier_open)
        .select_related("review", "owner__user", "partner", "team")
        .order_by("due_on", "id")
    )


def decision_row(decision: ReviewDecision, review: GovernanceReview) -> dict[str, Any]:
    """A decision as the snapshot keeps it (and the exports show it)."""
    carried = decision.review_id != review.pk
    return {
        "id": decision.pk,
        "kind": decision.kind,
        "kind_label": decision.get_kind_display(),
        "title": decision.title,
        "detail": decision.detail,
        "owner": decision.owner.user.email,
        "owner_id": decision.owner_id,
        "due_on": decision.due_on.isoformat(),
        "partner_id": decision.partner_id,
        "partner": decision.partner.name if decision.partner else "",
        "team_id": decision.team_id,
        "team": decision.team.name if decision.team else "",
        "status": decision.status,
        "status_label": decision.get_status_display(),
        "outcome": decision.outcome,
        "applied": decision.applied_at is not None,
        "carried_from": quarter_of(decision.review).code if carried else "",
    }


@action
def sign_off(
    review: GovernanceReview, *, acting: Acting, note: str = "", now: dt.datetime | None = None
) -> GovernanceReview:
    """Freeze the review: its figures as last prepared and its decisions as they stand. Refused
    when it was signed off already, is being prepared, or was never prepared."""
    may_govern(acting)
    now = now or timezone.now()
    with transaction.atomic():
        review = lock_row(review)
        if review.is_frozen:
            by = review.signed_off_by.email if review.signed_off_by else "the system"
            raise ValidationError(
                {
                    "review": f"This review was signed off already, on "
                    f"{review.signed_off_at:%Y-%m-%d} by {by}; it is signed off once."
                }
            )
        if _running(review, now):
            raise ValidationError(
                {"review": "This review is being prepared; sign it off when it has finished."}
            )
        if review.job_status != JobStatus.DONE or not review.data:
            raise ValidationError(
                {"review": "Prepare the review before signing it off: it has no figures yet."}
            )
        review.decisions_at_sign_off = [decision_row(d, review) for d in shown_decisions(review)]
        review.status = ReviewStatus.SIGNED_OFF
        review.signed_off_at = now
        review.signed_off_by = acting.audit_user
        review.sign_off_note = (note or "").strip()[:2000]
        review.save()
    return review
