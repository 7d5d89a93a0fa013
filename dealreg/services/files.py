"""Evidence files: the type is read from the bytes (never the name or the client's header), the
size is limited, the name is kept only as a label, and the bytes go through Django's storage
API under a random path. They are served only through permission-checked downloads (the API's
action and the registration pages)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.acting import action
from core.storage import deleted_on_failure
from dealreg.choices import CLOSED_STATES, Action
from dealreg.models import DealRegistration, EvidenceFile
from dealreg.services.state import log_event
from tenancy.acting import Acting
from tenancy.choices import Role
from tenancy.models import Membership

__all__ = ["MAX_FILES", "MAX_FILE_BYTES", "add_evidence", "sniff"]

MAX_FILE_BYTES = getattr(settings, "DEALREG_MAX_FILE_BYTES", 10 * 1024 * 1024)
MAX_FILES = 20
OOXML = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ALLOWED = "PDF, PNG, JPEG, plain text or CSV, and Word, Excel or PowerPoint (.docx, .xlsx, .pptx)"


def sniff(head: bytes, filename: str) -> str | None:
    """The content type the bytes show, or None when they are not a kind we keep."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        return OOXML.get(extension)  # any other zip (archives, executables in disguise) is refused
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut by the 4 KiB window
            return None
    return "text/plain"


def _may_add(registration: DealRegistration, acting: Acting) -> None:
    if not isinstance(acting, Membership):
        return
    if acting.role in (Role.REVOPS_ADMIN, Role.DIRECT_MANAGER):
        return
    if registration.registrant_user_id == acting.user_id:
        return
    if (
        acting.role == Role.PARTNER_ADMIN
        and acting.partner_id == registration.registrant_partner_id
    ):
        return
    raise PermissionDenied("Only the registrant and reviewers add evidence.")


@action
def add_evidence(registration: DealRegistration, upload: Any, *, acting: Acting) -> EvidenceFile:
    """Keep an uploaded file as evidence of the registration; a refused file says why."""
    if not isinstance(upload, UploadedFile):
        raise ValidationError({"file": "Send the file as multipart/form-data in the field 'file'."})
    _may_add(registration, acting)
    if registration.state in CLOSED_STATES:
        raise ValidationError({"file": "This registration is closed; no more evidence is added."})
    if upload.size is None or upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            {"file": f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."}
        )
    name = (upload.name or "evidence").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    content_type = sniff(head, name)
    if content_type is None:
        raise ValidationError({"file": f"This kind of file is not accepted; send {ALLOWED}."})
    if EvidenceFile.objects.filter(registration=registration).count() >= MAX_FILES:
        raise ValidationError({"file": f"At most {MAX_FILES} files per registration."})
    # The bytes are written before the row; a failure after that deletes them again (a caller
    # whose own transaction may still roll back wraps its block in `deleted_on_failure` too).
    with deleted_on_failure() as written, transaction.atomic():
        evidence = EvidenceFile(
            tenant_id=registration.tenant_id,
            registration=registration,
            filename=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=acting.audit_user,
        )
        evidence.file.save("evidence", upload, save=False)
        written(evidence.file)
        evidence.save()
        log_event(registration, Action.FILE, acting=acting, reason=f"Evidence added: {name}.")
    return evidence
