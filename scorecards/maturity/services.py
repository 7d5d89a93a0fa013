"""The maturity assessment's services: saving a quarter's answers (checked, all or nothing), the
scores from live data beside them, what to do next, and the trend by quarter.

Only RevOps admins (or the system) assess: it is the manufacturer's own operating model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.acting import action
from core.rows import lock_row
from scorecards.choices import Capability, MaturityLevel
from scorecards.maturity.data import measure_all, recommend
from scorecards.maturity.questions import (
    QUESTIONS,
    Question,
    level_of_mean,
    mean_of,
    question,
)
from scorecards.models import MaturityAssessment, MaturityScore
from tenancy.acting import Acting
from tenancy.models import Membership, Tenant
from tenancy.quarters import Quarter

__all__ = [
    "PAGE_OF",
    "TrendPoint",
    "check_answers",
    "history",
    "may_assess",
    "questionnaire_recommendations",
    "recompute_data",
    "save_assessment",
]


def may_assess(acting: Acting) -> None:
    if isinstance(acting, Membership) and not acting.is_admin:
        raise PermissionDenied("Only RevOps admins assess the channel-balance maturity.")


def _label(q: Question) -> str:
    return f"{q.key} (“{q.text}”)"


def check_answers(answers: Any) -> dict[str, int]:
    """The answers as {question key: level}, or a ValidationError keyed "answers" naming every
    question that is unknown, missing, not a whole number or outside 1 to 4."""
    if not isinstance(answers, dict):
        raise ValidationError(
            {"answers": "Send the answers as an object of question key to level (1 to 4)."}
        )
    problems: list[str] = []
    checked: dict[str, int] = {}
    for key, raw in answers.items():
        q = question(str(key))
        if q is None:
            problems.append(f"{key}: no such question.")
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            problems.append(f"{_label(q)}: answer with a whole number from 1 to 4.")
            continue
        try:
            level = int(str(raw).strip())
        except ValueError:
            problems.append(f"{_label(q)}: “{raw}” is not a whole number; answer 1 to 4.")
            continue
        if not MaturityLevel.AD_HOC <= level <= MaturityLevel.OPERATIONALIZED:
            problems.append(f"{_label(q)}: {level} is out of range; answer 1 to 4.")
            continue
        checked[q.key] = level
    for q in QUESTIONS:
        if q.key not in answers:
            problems.append(f"{_label(q)}: not answered.")
    if problems:
        raise ValidationError({"answers": problems})
    return checked


def questionnaire_recommendations(capability: str, answers: dict[str, int]) -> list[dict]:
    """For the capability's lowest answer below 4: the next level's statement, as a step."""
    mine = [q for q in QUESTIONS if q.capability == capability and q.key in answers]
    if not mine:
        return []
    lowest = min(mine, key=lambda q: answers[q.key])
    level = answers[lowest.key]
    if level >= MaturityLevel.OPERATIONALIZED:
        return []
    page, label, args = PAGE_OF[lowest.key]
    return [
        recommend(
            f"Questionnaire: “{lowest.text}” was answered at level {level} "
            f"({MaturityLevel(level).label.lower()}). Next step, level {level + 1}: "
            f"{lowest.levels[level]}",
            page,
            label,
            *args,
        )
    ]


# Where each question's practice is worked on (console URL name, label, URL arguments), for the
# questionnaire's own next step.
PAGE_OF: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "governance.rules": ("rulebook", "Rulebook", ()),
    "governance.exceptions": ("exceptions", "Exceptions", ()),
    "governance.conflicts": ("dealreg-conflicts", "Conflicts to adjudicate", ()),
    "enablement.kits": ("offers", "Offers", ()),
    "enablement.funds": ("mdf-budgets", "MDF budgets", ()),
    "enablement.dashboards": ("scorecards", "Scorecards", ()),
    "lead_ops.routing": ("lead-ops", "Lead-ops settings", ()),
    "lead_ops.sla": ("lead-ops-sla", "SLA policies", ()),
    "lead_ops.registration": ("dealreg-settings", "Deal registration settings", ()),
    "attribution.source": ("opportunities", "Opportunities", ()),
    "attribution.models": ("scorecard-settings", "Scorecard settings", ()),
    "attribution.scorecards": ("scorecards", "Scorecards", ()),
    "offers.kind": ("offers", "Offers", ()),
    "offers.shared": ("offers", "Offers", ()),
    "offers.conversion": ("conversion", "Offer conversion", ()),
    "brand_pricing.messaging": ("cobrand-profiles", "Co-branding", ()),
    "brand_pricing.corridors": ("rulebook", "Rulebook", ()),
    "brand_pricing.leakage": ("scorecard-drilldown", "Discount leakage", ("discount_leakage",)),
}
assert set(PAGE_OF) == {q.key for q in QUESTIONS}


def _write_scores(
    assessment: MaturityAssessment,
    *,
    answers: dict[str, int] | None,
    now: dt.datetime,
    with_data: bool,
) -> None:
    """Create or update the six score rows: questionnaire from the answers, data when asked."""
    measures = (
        measure_all(assessment.tenant, Quarter.of(assessment.tenant, assessment.quarter_start), now)
        if with_data
        else {}
    )
    existing = {s.capability: s for s in MaturityScore.objects.filter(assessment=assessment)}
    answers = answers if answers is not None else assessment.answers or {}
    for capability in Capability.values:
        score = existing.get(capability) or MaturityScore(
            tenant=assessment.tenant, assessment=assessment, capability=capability
        )
        mine = [
            answers[q.key] for q in QUESTIONS if q.capability == capability and q.key in answers
        ]
        if mine:
            mean = mean_of(mine)
            score.questionnaire_score = mean
            score.questionnaire_level = level_of_mean(mean)
        measure = measures.get(capability)
        if measure is not None:
            score.data_value = measure.value
            score.data_level = measure.level
            score.evidence = measure.evidence
            data_recs = measure.recommendations
        else:
            data_recs = [r for r in score.recommendations if not _from_questionnaire(r)]
        score.recommendations = data_recs + questionnaire_recommendations(capability, answers)
        score.save()


def _from_questionnaire(rec: dict) -> bool:
    return str(rec.get("text", "")).startswith("Questionnaire:")


@action
def save_assessment(
    tenant: Tenant,
    quarter: Quarter,
    answers: Any,
    *,
    acting: Acting,
    now: dt.datetime | None = None,
    notes: str | None = None,
) -> MaturityAssessment:
    """The quarter's assessment with these answers (created, or its answers replaced), its
    questionnaire scores, and its data scores computed afresh. Refused whole, naming each wrong
    question, when an answer is unknown, missing, not a whole number or out of 1 to 4."""
    may_assess(acting)
    checked = check_answers(answers)
    now = now or timezone.now()
    with transaction.atomic():
        assessment, _ = MaturityAssessment.objects.get_or_create(
            tenant=tenant, quarter_start=quarter.start
        )
        assessment = lock_row(assessment)
        assessment.answers = checked
        assessment.assessed_at = now
        assessment.assessed_by = acting.user if isinstance(acting, Membership) else None
        assessment.data_computed_at = now
        if notes is not None:
            assessment.notes = notes
        assessment.save()
        _write_scores(assessment, answers=checked, now=now, with_data=True)
    return assessment


@action
def recompute_data(
    assessment: MaturityAssessment, *, acting: Acting, now: dt.datetime | None = None
) -> MaturityAssessment:
    """Score the assessment's quarter from live data again (the answers stay)."""
    may_assess(acting)
    now = now or timezone.now()
    with transaction.atomic():
        assessment = lock_row(assessment)
        assessment.data_computed_at = now
        assessment.save(update_fields=["data_computed_at", "updated_at"])
        _write_scores(assessment, answers=None, now=now, with_data=True)
    return assessment


@dataclass(frozen=True)
class TrendPoint:
    assessment: MaturityAssessment
    quarter: Quarter
    questionnaire: dict[str, Decimal | None]  # capability -> questionnaire score
    data_levels: dict[str, int | None]  # capability -> data level

    @property
    def overall(self) -> Decimal | None:
        values = [v for v in self.questionnaire.values() if v is not None]
        if not values:
            return None
        return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))

    @property
    def overall_data(self) -> Decimal | None:
        values = [v for v in self.data_levels.values() if v is not None]
        if not values:
            return None
        return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.01"))


def history(tenant: Tenant) -> list[TrendPoint]:
    """Every assessment of the tenant, oldest quarter first, with its scores (two queries)."""
    assessments = list(
        MaturityAssessment.objects.order_by("quarter_start").prefetch_related("scores")
    )
    points = []
    for assessment in assessments:
        scores = {s.capability: s for s in assessment.scores.all()}
        points.append(
            TrendPoint(
                assessment,
                Quarter.of(tenant, assessment.quarter_start),
                {
                    c: scores[c].questionnaire_score if c in scores else None
                    for c in Capability.values
                },
                {c: scores[c].data_level if c in scores else None for c in Capability.values},
            )
        )
    return points
