"""Certificates as PDFs: a batch is laid out as one document, then written out page by page.

A fresh WeasyPrint render per certificate pays each time for parsing, the style sheet and loading
its fonts; laying out a batch as one document (one page per certificate) pays for them once, and
writing each page as its own PDF keeps one file per certificate holding only its own glyphs.
tests/bench/bench_certificates.py measures it against both.
"""

import re
import unicodedata
from collections.abc import Sequence

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.safestring import mark_safe

from .models import Certificate
from .pdf import html_to_document

TEMPLATE = "certificates/pdf/certificate.html"

# Medium error correction: a printed code still scans with a crease or a stamp across it.
QR_ERROR_LEVEL = "m"

# What segno.svg_inline(omitsize=True) writes: one <svg> with a viewBox and one <path> of moves and
# lines. Anything else (a change in segno, a stray character) is refused rather than marked safe.
_SEGNO_SVG = re.compile(
    r'<svg viewBox="0 0 \d+ \d+" class="segno">'
    r'<path class="qrline" stroke="#000" d="[Mmhv0-9. -]+"/></svg>'
)

# The language a script writes for the hub's trainees (the countries of hub-facts.md): the `lang`
# lets the shaper pick that language's letter forms. Devanagari writes Nepali as much as Hindi, so
# it gets the script alone ("und-Deva": some language in Devanagari); Han characters alone (Chinese,
# Japanese or Korean Hanja) get nothing and keep the page's language.
_SCRIPT_LANGUAGES = [
    ("HANGUL", "ko"),
    ("ARABIC", "ar"),
    ("ETHIOPIC", "am"),
    ("THAI", "th"),
    ("BENGALI", "bn"),
    ("DEVANAGARI", "und-Deva"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
]
# Letters only Vietnamese uses (horn vowels, and tone marks stacked on vowels: U+1EA0..U+1EF9).
_VIETNAMESE = re.compile("[ơưƠƯ\u1ea0-\u1ef9]")


def native_name_language(name: str) -> str:
    """The language tag of a native-script name, from its letters; "" when they do not tell."""
    if _VIETNAMESE.search(name):
        return "vi"
    for char in name:
        if char.isalpha() and ord(char) > 0x24F:
            letter = unicodedata.name(char, "")
            for script, language in _SCRIPT_LANGUAGES:
                if letter.startswith(script):
                    return language
    return ""


def date_range(start, end) -> str:
    """The days of a course as printed: 18 – 29 July 2022; 27 June – 8 July 2022;
    28 December 2022 – 6 January 2023 (month names in the active language)."""
    if start == end:
        return formats.date_format(start, "j F Y")
    if start.year != end.year:
        first = formats.date_format(start, "j F Y")
    elif start.month != end.month:
        first = formats.date_format(start, "j F")
    else:
        first = formats.date_format(start, "j")
    return f"{first} – {formats.date_format(end, 'j F Y')}"


def verification_url(certificate: Certificate) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificate_verify", args=[certificate.verification_code])


def qr_svg(url: str) -> str:
    """The URL as a QR code, an inline SVG sized by the stylesheet. Safe: checked to be segno's own."""
    svg = segno.make(url, error=QR_ERROR_LEVEL).svg_inline(omitsize=True)
    if not _SEGNO_SVG.fullmatch(svg):
        raise ValueError("unexpected QR code SVG from segno")
    return mark_safe(svg)  # noqa: S308 - checked just above: no text of ours or of a user in it


def _size(text: str, long: int, very_long: int | None = None) -> str:
    """A smaller type size for a long text (a CSS class), so that names and titles up to their
    fields' maximum length still fit on the page."""
    if very_long is not None and len(text) > very_long:
        return "very-long"
    return "long" if len(text) > long else ""


def _page(certificate: Certificate) -> dict:
    url = verification_url(certificate)
    return {
        "certificate": certificate,
        "holder_size": _size(certificate.holder_name, long=36, very_long=60),
        "native_size": _size(certificate.holder_native_name, long=50),
        "native_lang": native_name_language(certificate.holder_native_name),
        "title_size": _size(certificate.course_title, long=90),
        "dates": date_range(certificate.start_date, certificate.end_date),
        "verify_url": url,
        "qr_svg": qr_svg(url),
    }


def certificate_html(certificates: Sequence[Certificate]) -> str:
    """One HTML document, one page (a <section class="certificate">) per certificate, in order."""
    return render_to_string(TEMPLATE, {"pages": [_page(c) for c in certificates]})


def render_certificates(certificates: Sequence[Certificate]) -> list[bytes]:
    """One PDF per certificate, in the same order.

    Raises ValueError when a certificate does not come out as exactly one page (a page too full
    would otherwise shift every later certificate onto its neighbour's file).
    """
    certificates = list(certificates)
    if not certificates:
        return []
    document = html_to_document(certificate_html(certificates))
    # Each section carries an anchor: page i must start certificate i, and no other.
    for index, page in enumerate(document.pages):
        starts = {name for name in page.anchors if name.startswith("certificate-")}
        if starts != {f"certificate-{index}"}:
            culprit = certificates[min(max(index - 1, 0), len(certificates) - 1)]
            raise ValueError(f"certificate {culprit.serial} does not come out as one page")
    if len(document.pages) != len(certificates):
        raise ValueError(f"{len(certificates)} certificates came out as {len(document.pages)} pages")
    return [document.copy([page]).write_pdf() for page in document.pages]
