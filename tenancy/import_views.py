"""Console pages for CSV imports: upload, map columns, dry run, import with progress, report."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from core.csvexport import safe_cell
from core.imports import (
    UnreadableFile,
    choices_of,
    dry_run,
    import_specs,
    queue_import,
    read_csv,
    suggest_mapping,
)
from core.models import ImportJob
from tenancy.requests import DoorRequest

SHOWN_ERRORS = 200


class UploadForm(forms.Form):
    resource = forms.ChoiceField(label="Import")
    file = forms.FileField(label="CSV file")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["resource"]).choices = [
            (key, spec.label) for key, spec in import_specs().items()
        ]


def imports(request: DoorRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        spec = import_specs()[form.cleaned_data["resource"]]
        try:
            headers, text = read_csv(upload.read(), upload.name)
        except UnreadableFile as exc:
            form.add_error("file", str(exc))
        else:
            job = ImportJob.objects.create(
                tenant=request.tenant,
                resource=spec.resource,
                filename=upload.name[:255],
                content=text,
                mapping=suggest_mapping(spec, headers),
                created_by=request.user,
            )
            return redirect("console:import", request.tenant.slug, job.pk)
    jobs = ImportJob.objects.select_related("created_by").defer("content")[:50]
    status = 400 if form.errors else 200
    templates = [(resource, spec.label) for resource, spec in import_specs().items()]
    context = {"form": form, "jobs": jobs, "templates": templates}
    return render(request, "tenancy/imports.html", context, status=status)


def _job(request: DoorRequest, job_id: int) -> ImportJob:
    return get_object_or_404(ImportJob.objects.all(), pk=job_id)


def import_job(request: DoorRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    spec = import_specs().get(job.resource)
    if spec is None:
        raise Http404("This kind of import is no longer available.")
    problem = ""
    if request.method == "POST" and job.status == ImportJob.Status.UPLOADED:
        choices = {c.field for c in spec.columns}
        mapping = {h: request.POST.get(f"map-{i}", "") for i, h in enumerate(job.mapping)}
        mapping = {h: (t if t in choices else "") for h, t in mapping.items()}
        targets = [t for t in mapping.values() if t]
        if "external_id" not in targets:
            problem = "Map one column to “External id”: records are matched by it."
        elif len(targets) != len(set(targets)):
            problem = "Each field can take only one column."
        else:
            if mapping != job.mapping:  # the last check was of another mapping: check again
                job.mapping, job.counts, job.errors = mapping, {}, []
                job.save(update_fields=["mapping", "counts", "errors", "updated_at"])
            try:
                if request.POST.get("action") == "import":
                    queue_import(job, acting=request.membership)
                    return redirect("console:import", request.tenant.slug, job.pk)
                dry_run(job, acting=request.membership)
            except UnreadableFile as exc:
                problem = str(exc)
            except ValidationError as exc:
                problem = " ".join(exc.messages)
    choice_fields = choices_of(spec)
    context = {
        "job": job,
        "spec": spec,
        "columns": [(i, header, target) for i, (header, target) in enumerate(job.mapping.items())],
        "errors": job.errors[:SHOWN_ERRORS],
        "problem": problem,
        # What each choice column accepts (its labels, or the API's keys), shown beside the mapping.
        "allowed": [
            (column.label, choice_fields[column.field].labels)
            for column in spec.columns
            if column.field in choice_fields
        ],
        "checked": bool(job.counts) and job.status == ImportJob.Status.UPLOADED,
    }
    return render(request, "tenancy/import_job.html", context, status=400 if problem else 200)


def import_progress(request: DoorRequest, job_id: int) -> JsonResponse:
    job = ImportJob.objects.defer("content", "errors").get(pk=_job(request, job_id).pk)
    return JsonResponse(
        {
            "status": job.status,
            "processed": job.processed_rows,
            "total": job.total_rows,
            "percent": job.progress,
            "counts": job.counts,
        }
    )


def import_template(request: DoorRequest, resource: str) -> HttpResponse:
    """A CSV to fill in: one column per importable field, headed with the labels the mapping
    recognises, so an upload of it maps itself."""
    spec = import_specs().get(resource)
    if spec is None:
        raise Http404("No such import.")
    buffer = io.StringIO()
    csv.writer(buffer).writerow([column.label for column in spec.columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{resource}-template.csv")
    return response


def import_errors(request: DoorRequest, job_id: int) -> HttpResponse:
    """Every error of the job as CSV: row, column, message."""
    job = _job(request, job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "message"])
    for error in job.errors:
        writer.writerow(
            [safe_cell(error["row"]), safe_cell(error["column"]), safe_cell(error["message"])]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"errors-{job.filename}.csv")
    return response


@require_POST
def import_discard(request: DoorRequest, job_id: int) -> HttpResponse:
    job = _job(request, job_id)
    if job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return redirect("console:import", request.tenant.slug, job.pk)
    job.delete()
    return redirect("console:imports", request.tenant.slug)
