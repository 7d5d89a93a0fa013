"""An offer as a co-branded PDF (reportlab's platypus): the partner's logo and colour in the
header band, the offer's text, product lines, validity and ROI inputs, the partner's contact
details and legal line. Without a partner the manufacturer's branding (its name, a neutral
colour: tenants have no logo or colour of their own yet) is used, for direct sales.

Everything a user typed goes through `_text()` before it reaches a Paragraph, whose markup is a
small XML: a summary with `<b>` or `&` in it is printed as typed, never read as markup.

Cached in Django's cache, not in file storage (`cached_offer_pdf`): the key is a fingerprint of
everything drawn (offer version, profile, partner, tenant, product lines, this module's
`RENDER_VERSION`), so any change makes a new key and nothing has to be deleted; stale entries
expire on their own (`CAMPAIGNS_PDF_CACHE_SECONDS`, a day by default) and the cache's own
eviction bounds the space. Files in storage would need a cleanup on every change and a sweep for
the ones nobody asks for again."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from campaigns import roi
from campaigns.choices import OfferKind
from campaigns.models import CoBrandProfile, Offer
from tenancy.models import Partner

__all__ = ["RENDER_VERSION", "cached_offer_pdf", "offer_pdf", "pdf_filename", "pdf_response"]

logger = logging.getLogger(__name__)

RENDER_VERSION = 1  # raise when the layout changes: every cached PDF is then drawn again
NEUTRAL = "#33475B"  # the manufacturer's band, and a partner's without a primary colour
DEFAULT_CACHE_SECONDS = 24 * 3600
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
BAND = 30 * mm
FOOTER = 18 * mm
LOGO_BOX = (48 * mm, 20 * mm)
LOGO_PIXELS = (600, 250)  # a logo is scaled down to this before it is embedded


def _text(value: Any) -> str:
    """User text made safe for Paragraph markup; line breaks kept."""
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


@dataclass(frozen=True)
class _Brand:
    name: str
    with_name: str  # the manufacturer, under a partner's name
    colour: str
    accent: str
    logo: ImageReader | None
    legal: str
    contact: list[tuple[str, str]]


def _logo(profile: CoBrandProfile | None) -> ImageReader | None:
    """The partner's logo from storage, scaled down; None when there is none or it will not
    decode (an upload was checked by its bytes, but a damaged image must not stop the PDF)."""
    if profile is None or not profile.logo:
        return None
    try:
        with profile.logo.open("rb") as stored:
            opened = Image.open(io.BytesIO(stored.read()))
            opened.draft("RGB", LOGO_PIXELS)  # JPEG: decode at a smaller size straight away
            opened.thumbnail(LOGO_PIXELS)
            image = opened.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError):
        logger.warning("Co-branding logo of partner %s cannot be read", profile.partner_id)
        return None
    return ImageReader(image)


def _contact(partner: Partner, profile: CoBrandProfile | None) -> list[tuple[str, str]]:
    rows = [("Partner", partner.name)]
    if profile is not None:
        rows += [
            ("Contact", profile.contact_name),
            ("Email", profile.contact_email),
            ("Phone", profile.contact_phone),
            ("Website", profile.website),
            ("Service area", profile.service_area),
        ]
    return [(label, value) for label, value in rows if value and value.strip()]


def _brand(offer: Offer, partner: Partner | None, profile: CoBrandProfile | None) -> _Brand:
    tenant = offer.tenant
    if partner is None:
        return _Brand(tenant.name, "", NEUTRAL, NEUTRAL, None, tenant.name, [])
    colour = (profile.primary_colour if profile else "") or NEUTRAL
    accent = (profile.secondary_colour if profile else "") or colour
    legal = (profile.legal_line if profile else "") or partner.name
    return _Brand(
        partner.name,
        f"in partnership with {tenant.name}",
        colour,
        accent,
        _logo(profile),
        legal,
        _contact(partner, profile),
    )


def _on_band(colour: str) -> colors.Color:
    """White or near-black, whichever reads on the band's colour."""
    band = colors.HexColor(colour)
    luminance = 0.2126 * band.red + 0.7152 * band.green + 0.0722 * band.blue
    return colors.white if luminance < 0.6 else colors.HexColor("#111111")


def _page(brand: _Brand) -> Any:
    """Draws what every page has: the band with logo and name, the footer with the legal line."""

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.HexColor(brand.colour))
        canvas.rect(0, PAGE_HEIGHT - BAND, PAGE_WIDTH, BAND, stroke=0, fill=1)
        x = MARGIN
        if brand.logo is not None:
            width, height = brand.logo.getSize()
            scale = min(LOGO_BOX[0] / width, LOGO_BOX[1] / height)
            w, h = width * scale, height * scale
            canvas.drawImage(brand.logo, x, PAGE_HEIGHT - (BAND + h) / 2, w, h, mask="auto")
            x += w + 6 * mm
        ink = _on_band(brand.colour)
        title = ParagraphStyle("band", fontName="Helvetica-Bold", fontSize=16, leading=19)
        small = ParagraphStyle("band-small", fontName="Helvetica", fontSize=9, leading=11)
        lines = [Paragraph(f'<font color="{ink.hexval()}">{_text(brand.name)}</font>', title)]
        if brand.with_name:
            lines.append(
                Paragraph(f'<font color="{ink.hexval()}">{_text(brand.with_name)}</font>', small)
            )
        room = PAGE_WIDTH - MARGIN - x
        heights = [p.wrap(room, BAND)[1] for p in lines]
        y = PAGE_HEIGHT - (BAND - sum(heights)) / 2
        for paragraph, height in zip(lines, heights, strict=True):
            y -= height
            paragraph.drawOn(canvas, x, y)
        canvas.setStrokeColor(colors.HexColor(brand.accent))
        canvas.setLineWidth(1.5)
        canvas.line(MARGIN, FOOTER, PAGE_WIDTH - MARGIN, FOOTER)
        footer = ParagraphStyle("footer", fontName="Helvetica", fontSize=8, leading=10)
        legal = Paragraph(_text(brand.legal), footer)
        _, height = legal.wrap(PAGE_WIDTH - 2 * MARGIN - 20 * mm, FOOTER)
        legal.drawOn(canvas, MARGIN, FOOTER - 3 * mm - height)
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, FOOTER - 3 * mm - 8, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def _styles(brand: _Brand) -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    base = ParagraphStyle("body", parent=sheet["BodyText"], fontSize=10, leading=14)
    return {
        "title": ParagraphStyle(
            "title", parent=sheet["Title"], alignment=TA_LEFT, fontSize=20, leading=24
        ),
        "meta": ParagraphStyle("meta", parent=base, textColor=colors.HexColor("#555555")),
        "lead": ParagraphStyle("lead", parent=base, fontSize=12, leading=16),
        "h2": ParagraphStyle(
            "h2",
            parent=sheet["Heading2"],
            fontSize=13,
            textColor=colors.HexColor(brand.colour),
            spaceBefore=8,
        ),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12),
    }


def _copy(offer: Offer) -> str:
    """The copy block in the tenant's language (when tenants have one), else English, else the
    first language there is."""
    blocks = offer.copy if isinstance(offer.copy, dict) else {}
    if not blocks:
        return ""
    wanted = [getattr(offer.tenant, "language", "") or "", "en"]
    for language in wanted:
        for key in (language, language.split("-")[0]):
            if key and blocks.get(key):
                return str(blocks[key])
    return str(blocks[sorted(blocks)[0]])


def _validity(offer: Offer) -> str:
    start, end = offer.valid_from, offer.valid_until
    if start and end:
        return f"Valid from {start:%d %B %Y} until {end:%d %B %Y}."
    if end:
        return f"Valid until {end:%d %B %Y}."
    if start:
        return f"Valid from {start:%d %B %Y}."
    return "No end date."


def _table(rows: list[list[Any]], widths: list[float], header: bool, colour: str) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#CCCCCC")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("LINEBELOW", (0, 0), (-1, 0), 1, colors.HexColor(colour)))
    table.setStyle(TableStyle(style))
    return table


def _roi(offer: Offer, styles: dict[str, ParagraphStyle], colour: str) -> list[Any]:
    inputs = offer.roi_inputs if isinstance(offer.roi_inputs, list) else []
    cell = styles["cell"]
    rows: list[list[Any]] = [[Paragraph("<b>Input</b>", cell), Paragraph("<b>Unit</b>", cell)]]
    rows[0].append(Paragraph("<b>Example value</b>", cell))
    for item in inputs:
        if isinstance(item, dict):
            rows.append(
                [
                    Paragraph(_text(item.get("label") or item.get("key", "")), cell),
                    Paragraph(_text(item.get("unit", "")), cell),
                    Paragraph(_text(item.get("default", "")), cell),
                ]
            )
    story: list[Any] = [Paragraph("How the return is calculated", styles["h2"])]
    story.append(_table(rows, [90 * mm, 30 * mm, 40 * mm], True, colour))
    try:
        words = roi.describe_formula(offer.roi_formula, inputs)
        example = roi.evaluate_roi(offer.roi_formula, inputs, {})
    except ValidationError:
        return story  # a formula saved before the rules tightened: the inputs still help
    story += [
        Spacer(1, 3 * mm),
        Paragraph(f"<b>Result</b> = {_text(words)}", styles["body"]),
        Paragraph(f"With the example values: <b>{example:,}</b>", styles["body"]),
    ]
    return story


def _story(offer: Offer, brand: _Brand) -> list[Any]:
    styles = _styles(brand)
    story: list[Any] = [
        Paragraph(_text(offer.name), styles["title"]),
        Paragraph(f"{_text(offer.get_kind_display())} · {_validity(offer)}", styles["meta"]),
        Spacer(1, 4 * mm),
    ]
    if offer.summary.strip():
        story.append(Paragraph(_text(offer.summary), styles["lead"]))
    for part in (offer.description, _copy(offer)):
        for block in part.replace("\r\n", "\n").split("\n\n"):
            if block.strip():
                story.append(Paragraph(_text(block.strip()), styles["body"]))
    lines = [link.product_line for link in offer.product_line_links.select_related("product_line")]
    if lines:
        story.append(Paragraph("Product lines", styles["h2"]))
        story += [Paragraph(f"• {_text(line.name)}", styles["body"]) for line in lines]
    if offer.kind == OfferKind.ROI_CALCULATOR:
        story += _roi(offer, styles, brand.colour)
    if brand.contact:
        cell = styles["cell"]
        rows = [
            [Paragraph(f"<b>{label}</b>", cell), Paragraph(_text(v), cell)]
            for label, v in brand.contact
        ]
        story.append(
            KeepTogether(
                [
                    Paragraph("Your contact", styles["h2"]),
                    _table(rows, [35 * mm, PAGE_WIDTH - 2 * MARGIN - 35 * mm], False, brand.colour),
                ]
            )
        )
    return story


def _profile(partner: Partner | None) -> CoBrandProfile | None:
    if partner is None:
        return None
    return CoBrandProfile.objects.filter(partner=partner).first()


def _render(offer: Offer, partner: Partner | None, profile: CoBrandProfile | None) -> bytes:
    brand = _brand(offer, partner, profile)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=BAND + 10 * mm,
        bottomMargin=FOOTER + 12 * mm,
        title=offer.name,
        author=brand.name,
        subject=offer.summary,
        creator=offer.tenant.name,
    )
    page = _page(brand)
    document.build(_story(offer, brand), onFirstPage=page, onLaterPages=page)
    return buffer.getvalue()


def offer_pdf(offer: Offer, partner: Partner | None) -> bytes:
    """The offer as a PDF co-branded for `partner` (its profile merged in), or with the
    manufacturer's branding for direct sales (partner None). Call inside the tenant's scope.
    Whether the partner may use the offer is the caller's check (services.offer_available_to)."""
    return _render(offer, partner, _profile(partner))


def _fingerprint(offer: Offer, partner: Partner | None, profile: CoBrandProfile | None) -> str:
    tenant = offer.tenant
    lines = sorted(
        offer.product_line_links.values_list("product_line_id", "product_line__updated_at")
    )
    parts: list[Any] = [
        RENDER_VERSION,
        tenant.pk,
        tenant.name,
        offer.pk,
        offer.version,
        offer.updated_at,
        lines,
    ]
    if partner is not None:
        parts += [partner.pk, partner.name, partner.updated_at]
    if profile is not None:
        parts += [profile.pk, profile.updated_at, profile.logo.name]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def cached_offer_pdf(offer: Offer, partner: Partner | None) -> bytes:
    """`offer_pdf`, from the cache when nothing it draws has changed since it was made."""
    profile = _profile(partner)
    key = f"campaigns:offer-pdf:{_fingerprint(offer, partner, profile)}"
    pdf = cache.get(key)
    if not isinstance(pdf, bytes):
        pdf = _render(offer, partner, profile)
        seconds = getattr(settings, "CAMPAIGNS_PDF_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
        cache.set(key, pdf, int(seconds))
    return pdf


def pdf_filename(offer: Offer, partner: Partner | None) -> str:
    """A download name that says what it is: offer-name[-partner-name].pdf."""
    parts = [slugify(offer.name)[:60] or "offer"]
    if partner is not None:
        parts.append(slugify(partner.name)[:40])
    return "-".join(p for p in parts if p) + ".pdf"


def pdf_response(
    offer: Offer, partner: Partner | None, pdf: bytes, *, cache_control: str
) -> HttpResponse:
    """The PDF shown in the browser (inline) under its download name; its type never sniffed."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(False, pdf_filename(offer, partner))
    response["Content-Disposition"] = disposition or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache_control
    return response
