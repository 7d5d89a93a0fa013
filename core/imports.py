"""CSV import: a file is checked, its columns mapped to a resource's fields, dry-run validated
(every error by row and column), then imported as a background job in batches through the same
bulk-upsert engine as the API (core.api.bulk), so a CSV row is accepted exactly when the same record
sent to `POST /api/v1/<resource>/bulk/` would be.

Apps declare what can be imported from their AppConfig.ready() with `register_import(...)`.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from rest_framework import serializers

from core.acting import Actor, Member, action
from core.api.bulk import BulkUpsert
from core.api.fields import InTenant
from core.audit import audit_context
from core.models import ImportJob
from core.tasks import TenantTask

__all__ = [
    "Choices",
    "ImportColumn",
    "ImportSpec",
    "UnreadableFile",
    "choices_of",
    "dry_run",
    "import_rows",
    "import_specs",
    "queue_import",
    "read_csv",
    "register_import",
    "suggest_mapping",
]

logger = logging.getLogger(__name__)

BATCH = 1000
MAX_ERRORS = 2000  # kept per job; the counts stay exact beyond it
TRUE, FALSE = (
    {"1", "true", "yes", "y", "x", "ja", "wahr"},
    {"0", "false", "no", "n", "nein", "falsch"},
)


class UnreadableFile(ValueError):
    """The file cannot be imported at all; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class ImportColumn:
    """One importable field. `kind`: text, bool, list (split on ; or |), or ref:<key> for a
    reference given by a natural key of the referenced row (e.g. ref:external_id)."""

    field: str
    label: str
    kind: str = "text"
    aliases: tuple[str, ...] = ()

    def convert(self, raw: str) -> Any:
        value = raw.strip()
        if self.kind == "bool":
            if not value:
                return None  # a blank cell says nothing; it must not switch a flag off
            lowered = value.lower()
            if lowered in TRUE:
                return True
            if lowered in FALSE:
                return False
            raise ValueError(f"{raw!r} is not yes/no")
        if self.kind == "list":
            return [part.strip() for part in re.split(r"[;|]", value) if part.strip()]
        if self.kind.startswith("ref:"):
            return {self.kind[4:]: value} if value else None
        return value


@dataclass(frozen=True)
class ImportSpec:
    resource: str  # e.g. "accounts"
    label: str
    serializer_class: type
    columns: tuple[ImportColumn, ...]
    field_roles: dict[str, frozenset[str]] = field(default_factory=dict)
    creation_defaults: Callable[[Any, dict], dict] | None = None
    # The external id of a row that has none, from the job's id and the row's line (e.g.
    # "csv-{job}-{row}"); without it every row must carry its own.
    row_key: str | None = None

    def column(self, name: str) -> ImportColumn | None:
        return next((c for c in self.columns if c.field == name), None)


_SPECS: dict[str, ImportSpec] = {}


def register_import(spec: ImportSpec) -> None:
    _SPECS[spec.resource] = spec


def import_specs() -> dict[str, ImportSpec]:
    return dict(_SPECS)


# --- reading ------------------------------------------------------------------------------


def read_csv(data: bytes, filename: str = "") -> tuple[list[str], str]:
    """(headers, decoded text) of an uploaded file, or UnreadableFile saying what is wrong with it."""
    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise UnreadableFile(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB. Split it."
        )
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "This is a spreadsheet file, not CSV. Save it as “CSV UTF-8” and upload that."
        )
    if b"\x00" in data[:4096]:
        raise UnreadableFile(
            "This is not a text file. Upload a CSV file (comma- or semicolon-separated)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"The file is not UTF-8 encoded (byte 0x{data[exc.start]:02x} on line {line}). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from None
    headers = next(_reader(text), [])
    headers = [h.strip() for h in headers]
    if len(headers) < 2 and not any(headers):
        raise UnreadableFile("The first line has no column names.")
    duplicates = sorted({h for h in headers if h and headers.count(h) > 1})
    if duplicates:
        raise UnreadableFile(f"Column names must be unique; repeated: {', '.join(duplicates)}.")
    return headers, text


def _reader(text: str) -> Iterator[list[str]]:
    """Rows of the file; any CSV the csv module cannot read becomes UnreadableFile."""
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="": the csv module handles \r\n, \n and old-Mac \r line ends itself.
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as exc:
        raise UnreadableFile(
            f"The file cannot be read as CSV near line {reader.line_num}: {exc}."
        ) from None


def _normal(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str]:
    """Map each header to the field it most likely means (by name, label or alias), else ""."""
    by_name: dict[str, str] = {}
    for column in spec.columns:
        for name in (column.field, column.label, *column.aliases):
            by_name.setdefault(_normal(name), column.field)
    mapping, used = {}, set()
    for header in headers:
        target = by_name.get(_normal(header), "")
        mapping[header] = "" if target in used else target
        used.add(mapping[header])
    return mapping


def _rows(job: ImportJob) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, {header: value}) for each data row."""
    reader = _reader(job.content)
    headers = [h.strip() for h in next(reader, [])]
    for number, values in enumerate(reader, start=2):
        if any(v.strip() for v in values):
            yield number, dict(zip(headers, values, strict=False))


def _folded(text: str) -> str:
    """Case, accents, thousands commas and dash styles set aside: "Bâtiment" and "batiment", an en
    dash and a hyphen, "1,000" and "1000"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\u2010-\u2015\u2212]", "-", plain).replace(",", "")


@dataclass(frozen=True)
class Choices:
    """The values one field takes (a choice field's choices, or a tenant's tiers, segments or
    stages), found by the key the API uses or the label the pages show; a whole number also
    finds the band ("1-49", "5000+") it falls in."""

    by_name: dict[str, str]
    labels: tuple[str, ...]
    bands: tuple[tuple[int, int | None, str], ...]

    @classmethod
    def of(cls, pairs: Iterable[tuple[Any, Any]]) -> Choices:
        """From (key, label) pairs."""
        by_name: dict[str, str] = {}
        labels, bands = [], []
        for key, label in pairs:
            by_name[_folded(str(key))] = key
            by_name[_folded(str(label))] = key
            labels.append(str(label))
            band = re.fullmatch(r"(\d+)(?:-(\d+)|\+)", str(key))
            if band:
                upper = int(band.group(2)) if band.group(2) else None
                bands.append((int(band.group(1)), upper, key))
        return cls(by_name, tuple(labels), tuple(bands))

    def find(self, raw: str) -> str:
        folded = _folded(raw)
        if folded in self.by_name:
            return self.by_name[folded]
        if folded.isdigit():
            number = int(folded)
            for low, high, key in self.bands:
                if low <= number and (high is None or number <= high):
                    return key
        raise ValueError(f"{raw.strip()!r} is not one of: {', '.join(self.labels)}.")


def choices_of(spec: ImportSpec) -> dict[str, Choices]:
    """What each choice-like column of a resource's import takes, by field name: choice fields
    (a list of choices included) and references to a tenant's named list by key (tiers,
    segments, stages: rows with a `key` and a `name`). Inside a tenant scope."""
    found = {}
    fields = spec.serializer_class().fields
    for column in spec.columns:
        field = fields.get(column.field)
        field = getattr(field, "child", field)  # a list of choices: each item is one
        if isinstance(field, serializers.ChoiceField):
            found[column.field] = Choices.of(field.choices.items())
        elif isinstance(field, InTenant) and field.natural_keys == ("key",):
            model: Any = field.related_model  # Tier, Segment, Stage...: core knows only TenantOwned
            if {"key", "name"} <= {f.name for f in model._meta.get_fields()}:
                found[column.field] = Choices.of(model.objects.values_list("key", "name"))
    return found


def _record(
    spec: ImportSpec, mapping: dict[str, str], row: dict[str, str], choices: dict[str, Choices]
) -> tuple[dict, list[dict]]:
    """The API record of one row, and conversion errors by column."""
    record, errors = {}, []
    for header, target in mapping.items():
        column = spec.column(target) if target else None
        if column is None or header not in row:
            continue
        try:
            value = column.convert(row[header])
            if target in choices and value not in ("", None, []):
                find = choices[target].find
                value = [find(v) for v in value] if isinstance(value, list) else find(value)
        except ValueError as exc:
            errors.append({"column": header, "message": str(exc)})
            continue
        if value not in ("", None, []):
            record[target] = value
    return record, errors


# --- running ------------------------------------------------------------------------------


def _importer(job: ImportJob) -> Member:
    """The membership of the person who uploaded the file: the rows are checked against what they
    may see and set, and they are the actor of the rows the import writes."""
    membership = import_string(settings.MEMBERSHIP_RESOLVER)(job.created_by, job.tenant)
    if membership is None:
        raise UnreadableFile(
            "The person who uploaded the file no longer has access to this tenant."
        )
    return cast(Member, membership)


def _process(
    job: ImportJob,
    *,
    membership: Member,
    write: bool,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    spec = _SPECS[job.resource]
    column_of = {target: header for header, target in job.mapping.items() if target}
    counts = dict.fromkeys(("created", "updated", "unchanged", "error"), 0)
    errors: list[dict] = []
    creation_defaults = spec.creation_defaults
    defaults = (lambda v: creation_defaults(membership, v)) if creation_defaults else None

    def note(number: int, column: str, message: str) -> None:
        if len(errors) < MAX_ERRORS:
            errors.append({"row": number, "column": column, "message": message})

    def run(rows: list[tuple[int, dict, list[dict]]], *, writing: bool) -> None:
        """Validate (and write, if `writing`) rows; a row with unreadable cells is never written,
        but its other cells are still checked so the report lists all its problems at once."""
        engine = BulkUpsert(
            spec.serializer_class,
            tenant=job.tenant,
            membership=membership,
            field_roles=spec.field_roles,
            creation_defaults=defaults,
        )
        records, labels = [r for _, r, _ in rows], [f"row {number}" for number, _, _ in rows]
        results = engine.run(records, dry_run=not writing, labels=labels)
        for (number, _, problems), result in zip(rows, results, strict=True):
            counts["error" if problems else result.status] += 1
            for problem in problems:
                note(number, problem["column"], problem["message"])
            for name, messages in result.errors.items():
                for message in messages:
                    note(number, column_of.get(name.split(".")[0], name), message)
        if on_batch:
            on_batch(len(rows))

    choices = choices_of(spec)
    good: list[tuple[int, dict, list[dict]]] = []
    bad: list[tuple[int, dict, list[dict]]] = []
    for number, row in _rows(job):
        record, problems = _record(spec, job.mapping, row, choices)
        if spec.row_key and not record.get("external_id"):
            record["external_id"] = spec.row_key.format(job=job.pk, row=number)
        (bad if problems else good).append((number, record, problems))
        if len(good) == BATCH:
            run(good, writing=write)
            good.clear()
        if len(bad) == BATCH:
            run(bad, writing=False)
            bad.clear()
    if good:
        run(good, writing=write)
    if bad:
        run(bad, writing=False)
    errors.sort(key=lambda e: e["row"])
    job.counts, job.errors = counts, errors


@action
def dry_run(job: ImportJob, *, acting: Actor) -> ImportJob:
    """Validate every row without writing; fills counts and errors (row, column, message).
    `acting` asks for the check; the rows are checked as the uploader would write them."""
    job.total_rows = sum(1 for _ in _rows(job))
    _process(job, membership=_importer(job), write=False)
    job.save(update_fields=["total_rows", "counts", "errors", "updated_at"])
    return job


def _nothing_to_import(job: ImportJob) -> str:
    if not job.counts:
        return "Check the file first: the import starts once the check finds a row it can write."
    if job.valid_rows:
        return "Every valid row already matches what is stored: there is nothing to import."
    return (
        "The check found no row that can be imported. Fix the rows listed below, "
        "upload the file again and check it."
    )


@action
def queue_import(job: ImportJob, *, acting: Actor) -> ImportJob:
    """Hand the import to a worker; the page polls the job for progress. The worker writes the
    rows as the uploader (`import_rows`), whoever starts it. Only after a check (`dry_run`) that
    found at least one row it would create or update: an import of nothing is refused, never
    "done"."""
    if job.status == ImportJob.Status.UPLOADED and not job.rows_to_write:
        raise ValidationError(_nothing_to_import(job))
    updated = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.UPLOADED).update(
        status=ImportJob.Status.QUEUED, processed_rows=0, counts={}, errors=[]
    )
    if updated:
        run_import.delay_on_commit(tenant_id=job.tenant_id, job_id=job.pk)
    job.refresh_from_db()
    return job


@action
def import_rows(
    job: ImportJob, *, on_batch: Callable[[int], None] | None = None, acting: Member
) -> None:
    """Write the job's rows through the bulk-upsert engine. The person who uploaded the file acts:
    every change the import makes is theirs in the audit log."""
    _process(job, membership=acting, write=True, on_batch=on_batch)


@shared_task(base=TenantTask, name="core.imports.run_import", acks_late=True)
def run_import(*, tenant_id: int, job_id: int) -> None:
    # Claim the job once: a redelivered task finds it running or done and does nothing.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)

    def progress(rows: int) -> None:
        job.processed_rows += rows
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=job.processed_rows)

    try:
        with audit_context(source="import", credential=f"import #{job.pk}"):
            job.total_rows = job.total_rows or sum(1 for _ in _rows(job))
            import_rows(job, on_batch=progress, acting=_importer(job))
    except UnreadableFile as exc:
        job.status, job.errors = (
            ImportJob.Status.FAILED,
            [{"row": 0, "column": "", "message": str(exc)}],
        )
    except Exception:
        # Never leave a job "running" forever: it fails visibly, and the error is logged.
        logger.exception("import %s failed", job.pk)
        message = (
            "The import stopped on an unexpected error; rows before it are kept. Contact support."
        )
        job.status, job.errors = (
            ImportJob.Status.FAILED,
            [{"row": 0, "column": "", "message": message}],
        )
    else:
        job.status = ImportJob.Status.DONE
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(
            update_fields=[
                "status",
                "total_rows",
                "processed_rows",
                "counts",
                "errors",
                "finished_at",
                "updated_at",
            ]
        )
