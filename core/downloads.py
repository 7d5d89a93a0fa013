"""A stored file handed to the browser as a download: never rendered inline (an uploaded HTML or
SVG file cannot run in our origin), its type never guessed from the bytes by the browser."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

__all__ = ["attachment"]


def attachment(stored: FieldFile, filename: str) -> FileResponse:
    response = FileResponse(
        stored.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
