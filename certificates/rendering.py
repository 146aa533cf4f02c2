"""Certificates as PDFs: what every certificate of a course run says is laid out once, what is
personal per certificate, and each PDF is the one laid over the other.

A fresh WeasyPrint render per certificate pays each time for parsing, the style sheet, loading fonts
and laying out a whole page; one document of a batch pays for the first three once but still lays
out every page whole. Here the fixed layer (hub, title, course, dates, signatures: the same for a
whole session) is rendered to a one-page PDF once per process and course run; the personal layer
(names, URL, serial) of a batch is laid out as one WeasyPrint document, each page written as its own
PDF (so a file holds only its own holder's glyphs), and pikepdf puts the fixed page under it as a
form XObject and draws the QR code (encoded by zxing-cpp) in vector rectangles where the layout left
its box.
tests/bench/bench_certificates.py measures it against both.
"""

import contextlib
import functools
import re
import unicodedata
from collections.abc import Sequence
from io import BytesIO

import pikepdf
import zxingcpp
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .models import Certificate
from .pdf import html_to_document

TEMPLATE = "certificates/pdf/certificate.html"
# The layers are rendered with a user-agent stylesheet of the few rules the template needs.
LAYERS_USER_AGENT_STYLESHEET = "certificates/layers-user-agent.css"
# Certificates are issued in English, the programme's working language, whatever language the person
# who asks for them reads the portal in.
CERTIFICATE_LANGUAGE = "en"

# Medium error correction: a printed code still scans with a crease or a stamp across it.
QR_ERROR_LEVEL = "M"
# The printed size of the QR code with its quiet zone (the template sizes its box from this).
QR_SIZE_MM = 25
_QR_SIZE_PX = QR_SIZE_MM / 25.4 * 96

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


def verification_url(certificate: Certificate) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificate_verify", args=[certificate.verification_code])


# The quiet zone the standard asks for around the code, in modules.
_QR_QUIET_ZONE = 4
_DARK_RUN = re.compile(b"\\x00+")


def _qr_runs(url: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The URL as a QR code (ISO 18004, the mask chosen by the standard's penalty rules): its width
    in modules, quiet zone included, and its dark modules as horizontal runs (x, y, length) counted
    in modules from the top left corner of the quiet zone."""
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=QR_ERROR_LEVEL)
    image = code.to_image(scale=1, add_quiet_zones=False)  # a byte per module: 0 dark, 255 light
    height, width = image.shape
    pixels = bytes(memoryview(image))
    runs = []
    for y in range(height):
        row = y * width
        for run in _DARK_RUN.finditer(pixels, row, row + width):
            runs.append((_QR_QUIET_ZONE + run.start() - row, _QR_QUIET_ZONE + y, run.end() - run.start()))
    return width + 2 * _QR_QUIET_ZONE, runs


def qr_svg(url: str) -> str:
    """The URL as a QR code, an inline SVG sized by the stylesheet: one path of the dark modules'
    runs, the same shapes as the PDF drawing of render_certificates. Safe to mark so: it is made of
    numbers only."""
    modules, runs = _qr_runs(url)
    path = "".join(f"M{x} {y}h{length}v1h-{length}z" for x, y, length in runs)
    return mark_safe(  # noqa: S308 - numbers of our own, no text of a user's
        f'<svg viewBox="0 0 {modules} {modules}" class="qr-code"><path fill="#000" d="{path}"/></svg>')


_SIZE_CLASSES = ("", "long", "very-long", "longest")


def _size(text: str, *limits: int) -> str:
    """A smaller type size for a longer text (a CSS class: one step for each of the ascending
    `limits` the text is longer than), so that names and titles up to their fields' maximum length
    still fit in their place on the page."""
    return _SIZE_CLASSES[sum(len(text) > limit for limit in limits)]


def _fixed_page(certificate: Certificate) -> dict:
    """What the fixed layer of the template reads of a certificate."""
    return {
        "certificate": certificate,
        "title_size": _size(certificate.course_title, 90),
        "dates": certificate.dates,
    }


def _page(certificate: Certificate, *, with_qr_svg: bool) -> dict:
    url = verification_url(certificate)
    return {
        **_fixed_page(certificate),
        "holder_size": _size(certificate.holder_name, 36, 60, 110),
        "native_size": _size(certificate.holder_native_name, 50, 100),
        "native_lang": native_name_language(certificate.holder_native_name),
        "verify_url": url,
        "qr_svg": qr_svg(url) if with_qr_svg else "",
    }


@translation.override(CERTIFICATE_LANGUAGE)
def certificate_html(certificates: Sequence[Certificate]) -> str:
    """The whole certificates as one plain HTML document, one page per certificate, in order: both
    layers in one page, as a plain WeasyPrint render would draw them."""
    pages = [_page(c, with_qr_svg=True) for c in certificates]
    return render_to_string(TEMPLATE, {"pages": pages, "fixed": True, "personal": True, "qr_mm": QR_SIZE_MM})


def _fixed_key(certificate: Certificate) -> tuple:
    """What the fixed layer prints (always in CERTIFICATE_LANGUAGE): certificates with the same key
    share it."""
    return certificate.course_title, certificate.start_date, certificate.end_date, certificate.learning_hours


@functools.lru_cache(maxsize=16)
def _fixed_layer_pdf(html: str) -> bytes:
    """The fixed layer as a one-page PDF. Kept per process by its HTML: a worker renders each course
    run's once, and any change to the template, the language or what is printed is a new key."""
    document = html_to_document(html, user_agent_stylesheet=LAYERS_USER_AGENT_STYLESHEET)
    if len(document.pages) != 1:
        raise ValueError("the fixed layer of the certificate does not come out as one page")
    return document.write_pdf()


def _fixed_layer(certificate: Certificate) -> bytes:
    html = render_to_string(TEMPLATE, {"pages": [_fixed_page(certificate)], "fixed": True, "personal": False})
    return _fixed_layer_pdf(html)


# CSS pixels (WeasyPrint's unit for positions) to PDF points.
_PT_PER_PX = 0.75


def _qr_drawing(url: str, *, left_px: float, top_px: float, size_px: float, page_height_pt: float) -> bytes:
    """PDF drawing operators that fill the QR code's dark modules, its quiet zone included in
    `size_px`, as one path (abutting rectangles of one fill leave no hairline seams)."""
    modules, runs = _qr_runs(url)
    unit = size_px * _PT_PER_PX / modules
    # Module coordinates, y downwards, from the top left corner of the box.
    ops = [f"q 0 g {unit:.4f} 0 0 {-unit:.4f} {left_px * _PT_PER_PX:.3f} {page_height_pt - top_px * _PT_PER_PX:.3f} cm"]
    ops.extend(f"{x} {y} {length} 1 re" for x, y, length in runs)
    ops.append("f Q")
    return "\n".join(ops).encode()


@translation.override(CERTIFICATE_LANGUAGE)
def render_certificates(certificates: Sequence[Certificate]) -> list[bytes]:
    """One PDF per certificate, in the same order.

    Raises ValueError when a certificate does not come out as exactly one page (a page too full
    would otherwise shift every later certificate onto its neighbour's file).
    """
    certificates = list(certificates)
    if not certificates:
        return []
    pages = [_page(c, with_qr_svg=False) for c in certificates]
    document = html_to_document(render_to_string(
        TEMPLATE, {"pages": pages, "fixed": False, "personal": True, "qr_mm": QR_SIZE_MM}),
        user_agent_stylesheet=LAYERS_USER_AGENT_STYLESHEET)
    # Each section carries an anchor: page i must start certificate i, and no other.
    for index, page in enumerate(document.pages):
        starts = {name for name in page.anchors if name.startswith("certificate-")}
        if starts != {f"certificate-{index}"}:
            culprit = certificates[min(max(index - 1, 0), len(certificates) - 1)]
            raise ValueError(f"certificate {culprit.serial} does not come out as one page")
    if len(document.pages) != len(certificates):
        raise ValueError(f"{len(certificates)} certificates came out as {len(document.pages)} pages")

    keys = [_fixed_key(certificate) for certificate in certificates]
    with contextlib.ExitStack() as open_files:
        fixed_layers = {}
        for key, certificate in zip(keys, certificates, strict=True):
            if key not in fixed_layers:
                fixed_layers[key] = open_files.enter_context(pikepdf.open(BytesIO(_fixed_layer(certificate))))
        pdfs = []
        for index, (certificate, key, context, page) in enumerate(
                zip(certificates, keys, pages, document.pages, strict=True)):
            # The top left corner of the QR code's box (WeasyPrint 70 gives its bottom right corner too).
            left, top = page.anchors[f"qr-{index}"][:2]
            pdfs.append(_lay_over(
                document.copy([page]).write_pdf(), fixed_layers[key].pages[0],
                qr_url=context["verify_url"], qr_left_px=left, qr_top_px=top, title=_document_title(certificate),
            ))
    return pdfs


def _document_title(certificate: Certificate) -> str:
    """What a PDF viewer shows in its title bar, and a file manager as the document's title."""
    return " – ".join([gettext("Certificate of Completion"), certificate.holder_name, certificate.serial])


def _lay_over(personal_pdf: bytes, fixed_page: pikepdf.Page, *, qr_url: str, qr_left_px: float,
              qr_top_px: float, title: str) -> bytes:
    """One certificate: its personal page with the fixed page under it and the QR code drawn on it."""
    with pikepdf.open(BytesIO(personal_pdf)) as pdf:
        pdf.docinfo["/Title"] = title
        page = pdf.pages[0]
        page_height = float(page.mediabox[3]) - float(page.mediabox[1])
        # WeasyPrint's drawing leaves its coordinate system in place: close it before adding ours.
        page.contents_add(pdf.make_stream(b"q"), prepend=True)
        page.contents_add(pdf.make_stream(b"Q"))
        page.add_underlay(fixed_page)
        page.contents_add(pdf.make_stream(_qr_drawing(
            qr_url, left_px=qr_left_px, top_px=qr_top_px, size_px=_QR_SIZE_PX, page_height_pt=page_height)))
        output = BytesIO()
        pdf.save(output)
    return output.getvalue()
