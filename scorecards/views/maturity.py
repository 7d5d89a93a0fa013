"""The console's "Maturity" page (navigation group "Governance"): the current quarter's
questionnaire, both scores side by side per capability with their levels, recommendations linking
to the page where each is acted on, the trend by quarter (core.charts) and the history of past
quarters, each viewable. Saved through scorecards.maturity.services; a refusal is the page again,
400, with each wrong question marked and nothing saved."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.charts import Chart, Series
from core.views import row_or_404
from scorecards.choices import Capability, MaturityLevel
from scorecards.maturity.data import LEAKAGE_CAP, THRESHOLDS
from scorecards.maturity.questions import CAPABILITY_INTRO, QUESTIONS, by_capability
from scorecards.maturity.services import (
    TrendPoint,
    history,
    recompute_data,
    save_assessment,
)
from scorecards.models import MaturityAssessment, MaturityScore
from tenancy.quarters import Quarter
from tenancy.requests import DoorRequest

__all__ = ["maturity", "maturity_assessment", "maturity_recompute"]

LEVELS = dict(MaturityLevel.choices)


def _current(request: DoorRequest) -> Quarter:
    return Quarter.of(request.tenant, timezone.localdate())


def _links(request: DoorRequest, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    shown = []
    for rec in recs or []:
        try:
            url = reverse(
                f"console:{rec.get('page')}", args=[request.tenant.slug, *rec.get("args", [])]
            )
        except NoReverseMatch:
            url = ""
        shown.append({"text": rec.get("text", ""), "label": rec.get("label", ""), "url": url})
    return shown


def _rows(request: DoorRequest, assessment: MaturityAssessment | None) -> list[dict[str, Any]]:
    """One row per capability: both scores with their levels, and what to do next."""
    scores: dict[str, MaturityScore] = {}
    if assessment is not None:
        scores = {s.capability: s for s in assessment.scores.all()}
    rows = []
    for key, label in Capability.choices:
        score = scores.get(key)
        rows.append(
            {
                "key": key,
                "label": label,
                "from_to": CAPABILITY_INTRO[key],
                "score": score,
                "q_level": LEVELS.get(score.questionnaire_level or 0) if score else None,
                "d_level": LEVELS.get(score.data_level or 0) if score else None,
                "gap": (
                    score.questionnaire_level - score.data_level
                    if score and score.questionnaire_level and score.data_level
                    else None
                ),
                "thresholds": thresholds_text(key),
                "recommendations": _links(request, score.recommendations) if score else [],
            }
        )
    return rows


def thresholds_text(capability: str) -> str:
    """The capability's thresholds in words, beside its data score."""
    four, three, two = THRESHOLDS[capability]
    if capability == Capability.GOVERNANCE:
        return (
            f"level 1 without a published rulebook in force; with one: 2, 3 from {three} %, "
            f"4 from {four} %"
        )
    text = f"level 2 from {two} %, 3 from {three} %, 4 from {four} %"
    if capability == Capability.BRAND_PRICING:
        text += f"; a level lower when leakage passes {LEAKAGE_CAP} % of the pipeline opened"
    return text


def _by_capability(points: list[TrendPoint]) -> Chart | None:
    if len(points) < 2:
        return None
    return Chart(
        id="maturity-capabilities",
        type="line",
        title="Questionnaire score by capability",
        labels=[p.quarter.code for p in points],
        series=[
            Series(
                str(label),
                [
                    None if p.questionnaire[key] is None else float(p.questionnaire[key] or 0)
                    for p in points
                ],
            )
            for key, label in Capability.choices
        ],
        label_title="Quarter",
        value_title="Level (1 to 4)",
    )


def _trend(points: list[TrendPoint]) -> Chart | None:
    if not points:
        return None
    labels = [p.quarter.code for p in points]

    def num(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    return Chart(
        id="maturity-trend",
        type="line",
        title="Maturity by quarter",
        labels=labels,
        series=[
            Series("Questionnaire (mean of the six)", [num(p.overall) for p in points]),
            Series("Live data (mean level)", [num(p.overall_data) for p in points]),
        ],
        label_title="Quarter",
        value_title="Level (1 to 4)",
    )


def _form_rows(answers: dict[str, Any], errors: dict[str, str]) -> list[dict[str, Any]]:
    sections = []
    for key, label, questions in by_capability():
        sections.append(
            {
                "key": key,
                "label": label,
                "from_to": CAPABILITY_INTRO[key],
                "questions": [
                    {
                        "q": q,
                        "chosen": str(answers.get(q.key, "")),
                        "error": errors.get(q.key, ""),
                        "levels": [
                            (str(n), LEVELS[n], text) for n, text in enumerate(q.levels, start=1)
                        ],
                    }
                    for q in questions
                ],
            }
        )
    return sections


def _question_errors(error: ValidationError) -> tuple[dict[str, str], list[str]]:
    """The service's messages by question key (each starts with it), and the others."""
    by_question: dict[str, str] = {}
    other: list[str] = []
    keys = {q.key for q in QUESTIONS}
    for message in error.message_dict.get("answers", []) + error.message_dict.get("__all__", []):
        key = message.split(" ", 1)[0].rstrip(":")
        if key in keys:
            by_question[key] = message
        else:
            other.append(message)
    return by_question, other


def _page(
    request: DoorRequest,
    *,
    answers: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    quarter = _current(request)
    points = history(request.tenant)
    current = next(
        (p.assessment for p in points if p.assessment.quarter_start == quarter.start), None
    )
    latest = points[-1].assessment if points else None
    if answers is None:
        # The current quarter's answers, or last quarter's as a starting point.
        source = current or latest
        answers = dict(source.answers) if source else {}
    shown = current or latest
    context = {
        "quarter": quarter,
        "current": current,
        "shown": shown,
        "shown_quarter": Quarter.of(request.tenant, shown.quarter_start) if shown else None,
        "rows": _rows(request, shown),
        "form": _form_rows(answers, errors or {}),
        "problems": problems or [],
        "invalid": status == 400,
        "answered_from": (
            Quarter.of(request.tenant, latest.quarter_start)
            if current is None and latest is not None
            else None
        ),
        "trend_chart": _trend(points),
        "capability_chart": _by_capability(points),
        "history": list(reversed(points)),
    }
    return render(request, "scorecards/maturity/page.html", context, status=status)


def maturity(request: DoorRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    answers = {q.key: request.POST[q.key] for q in QUESTIONS if request.POST.get(q.key)}
    notes = request.POST.get("notes")
    try:
        save_assessment(
            request.tenant,
            _current(request),
            answers,
            acting=request.membership,
            notes=notes.strip() if notes is not None else None,
        )
    except PermissionDenied as refusal:
        messages.error(request, f"Nothing was saved: {refusal}")
        return _page(request, answers=answers, status=403)
    except ValidationError as error:
        by_question, other = _question_errors(error)
        return _page(request, answers=answers, errors=by_question, problems=other, status=400)
    messages.success(
        request,
        f"Assessment of {_current(request).code} saved and scored from live data.",
    )
    return redirect("console:maturity", request.tenant.slug)


@require_POST
def maturity_recompute(request: DoorRequest, pk: int) -> HttpResponse:
    assessment = row_or_404(
        MaturityAssessment.objects.visible_to(request.membership), pk, "No such assessment."
    )
    try:
        recompute_data(assessment, acting=request.membership)
    except PermissionDenied as refusal:
        messages.error(request, f"Nothing was computed: {refusal}")
        return redirect("console:maturity", request.tenant.slug)
    code = Quarter.of(request.tenant, assessment.quarter_start).code
    messages.success(request, f"The live-data scores of {code} were computed again.")
    return redirect("console:maturity-assessment", request.tenant.slug, assessment.pk)


def maturity_assessment(request: DoorRequest, pk: int) -> HttpResponse:
    assessment = row_or_404(
        MaturityAssessment.objects.visible_to(request.membership)
        .select_related("assessed_by")
        .prefetch_related("scores"),
        pk,
        "No such assessment.",
    )
    quarter = Quarter.of(request.tenant, assessment.quarter_start)
    answered = [
        {
            "q": q,
            "level": assessment.answers.get(q.key),
            "label": LEVELS.get(assessment.answers.get(q.key)),
            "statement": q.levels[assessment.answers[q.key] - 1]
            if isinstance(assessment.answers.get(q.key), int)
            else "",
        }
        for q in QUESTIONS
    ]
    context = {
        "assessment": assessment,
        "quarter": quarter,
        "rows": _rows(request, assessment),
        "answered": answered,
    }
    return render(request, "scorecards/maturity/assessment.html", context)
