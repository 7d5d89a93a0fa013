"""Validators shared by several fields and models: colours, copy blocks, and uploaded files.

Files are judged by their bytes, never by their name or the client's content type: a text file
named logo.png is refused. SVG is refused outright, since an SVG is a document that can carry
scripts and is served back to visitors. The size limit is `settings.CAMPAIGNS_MAX_FILE_BYTES`
(10 MB by default), read when a file arrives so it can be changed without a restart."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

__all__ = [
    "DOCUMENT_TYPES",
    "IMAGE_TYPES",
    "check_copy",
    "check_upload",
    "max_file_bytes",
    "sniff",
    "validate_colour",
]

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOCUMENT_TYPES = frozenset({"application/pdf"}) | IMAGE_TYPES
_LABELS = {
    "application/pdf": "PDF",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WebP",
}
LANGUAGE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
MAX_COPY_CHARS = 20_000

validate_colour = RegexValidator(
    r"^#[0-9A-Fa-f]{6}$", "Give a colour as # and six hex digits, for example #1A73E8."
)


def max_file_bytes() -> int:
    return int(getattr(settings, "CAMPAIGNS_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES))


def sniff(head: bytes) -> str | None:
    """The content type the first bytes show, or None when they are not a kind we keep."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _looks_like_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith((b"<svg", b"<?xml")) and b"<svg" in text


def _size(count: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{count} bytes"


def _accepted(types: frozenset[str]) -> str:
    names = sorted(_LABELS[t] for t in types)
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def check_upload(upload: Any, *, accepted: frozenset[str]) -> tuple[str, str, int]:
    """(name, content type, size) of an acceptable upload; else ValidationError naming the file
    and what is wrong with it."""
    if upload is None or not hasattr(upload, "read") or getattr(upload, "size", None) is None:
        raise ValidationError("Send a file (multipart/form-data).")
    name = (getattr(upload, "name", "") or "file").replace("\\", "/").rsplit("/", 1)[-1][:200]
    limit = max_file_bytes()
    if upload.size == 0:
        raise ValidationError(f"{name}: the file is empty.")
    if upload.size > limit:
        raise ValidationError(
            f"{name}: the file is {_size(upload.size)}, larger than the {_size(limit)} allowed."
        )
    upload.seek(0)
    head = upload.read(64)
    upload.seek(0)
    if _looks_like_svg(head):
        raise ValidationError(
            f"{name}: SVG files are not accepted (they can carry scripts); "
            f"send {_accepted(accepted)}."
        )
    content_type = sniff(head)
    if content_type is None or content_type not in accepted:
        found = f"a {_LABELS[content_type]} file" if content_type else "not a file we accept"
        raise ValidationError(f"{name}: this is {found}; send {_accepted(accepted)}.")
    return name, content_type, upload.size


def check_copy(copy: Any) -> None:
    """Copy blocks by language: {"en": "...", "de-AT": "..."}."""
    if not isinstance(copy, dict):
        raise ValidationError('Give the copy as an object by language, e.g. {"en": "..."}.')
    for language, text in copy.items():
        if not LANGUAGE.match(str(language)):
            raise ValidationError(f"{language!r} is not a language code such as en, de or de-AT.")
        if not isinstance(text, str) or len(text) > MAX_COPY_CHARS:
            raise ValidationError(
                f"The {language} copy must be text of at most {MAX_COPY_CHARS:,} characters."
            )
