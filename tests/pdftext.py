"""The text a PDF shows, for tests: reportlab writes each line of text into a content stream
(ASCII85-encoded, Flate-compressed) as strings shown with `Tj`; decoding the streams and joining
each line's strings finds it without a PDF reader."""

from __future__ import annotations

import base64
import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)\s*endstream", re.S)
SHOWN = re.compile(r"\(((?:\\.|[^\\)])*)\)\s*Tj")


def pdf_text(pdf: bytes) -> str:
    """All the text the PDF shows, a line each (what a reader would search in it)."""
    return "\n".join(pdf_lines(pdf))


def pdf_lines(pdf: bytes) -> list[str]:
    """Each line of text the PDF shows, in drawing order (Latin-1 text; PDF escapes undone)."""
    lines = []
    for raw in STREAM.findall(pdf):
        for operations in _decoded(raw).decode("latin-1").splitlines():
            pieces = SHOWN.findall(operations)
            if pieces:
                lines.append(re.sub(r"\\([()\\])", r"\1", "".join(pieces)))
    return lines


def _decoded(raw: bytes) -> bytes:
    data = raw.strip()
    if data.endswith(b"~>"):
        try:
            data = base64.a85decode(data.removeprefix(b"<~").removesuffix(b"~>"))
        except ValueError:
            return raw
    try:
        return zlib.decompress(data)
    except zlib.error:
        return data
