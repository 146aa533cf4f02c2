"""Fonts subset from prepared faces (certificates/fontsubset.py), against WeasyPrint's own subsetting."""

from io import BytesIO

import pikepdf
import pytest
import weasyprint
from weasyprint.pdf.fonts import Font

from certificates import fontsubset
from certificates.rendering import _fixed_layer_pdf, render_certificates
from tests.certificates.test_rendering import NAMES_BY_SCRIPT, make_certificate, pdffonts, pdftotext

pytestmark = pytest.mark.django_db


def embedded_fonts(pdf: bytes) -> dict[str, bytes]:
    """Each embedded font program of a PDF, by its font name."""
    fonts = {}
    with pikepdf.open(BytesIO(pdf)) as document:
        for obj in document.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                program = obj.get("/FontFile2") or obj.get("/FontFile3")
                fonts[str(obj.FontName)] = program.read_bytes()
    return fonts


def test_certificates_embed_byte_for_byte_the_fonts_weasyprint_subsets_itself(monkeypatch):
    # WeasyPrint 70 and HarfBuzz 6 here: the prepared faces are what subsets, for every font.
    assert fontsubset.installed()
    fontsubset.prepared_faces.clear()
    _fixed_layer_pdf.cache_clear()

    def weasyprints_own(font, to_unicode, hinting):
        raise AssertionError(f"{font.family} was subset by WeasyPrint's own method")

    certificates = [make_certificate(holder_name=holder_name, holder_native_name=native_name)
                    for holder_name, native_name, _font in NAMES_BY_SCRIPT.values()]
    certificates.append(make_certificate(holder_name="Maria Fernanda GONZALEZ RODRIGUEZ DE LA SANTISIMA TRINIDAD"))
    with monkeypatch.context() as patch:
        patch.setattr(fontsubset, "STOCK", weasyprints_own)
        ours = [embedded_fonts(pdf) for pdf in render_certificates(certificates)]
    assert len(fontsubset.prepared_faces) >= len(NAMES_BY_SCRIPT)

    monkeypatch.setattr(Font, "_harfbuzz_subset", fontsubset.STOCK)
    _fixed_layer_pdf.cache_clear()
    theirs = [embedded_fonts(pdf) for pdf in render_certificates(certificates)]

    assert ours == theirs
    fonts = " ".join(name for pdf in ours for name in pdf)
    for _holder_name, _native_name, font_word in NAMES_BY_SCRIPT.values():
        assert font_word in fonts


def test_fonts_prepared_for_subsetting_stay_few_when_each_document_loads_its_fonts_afresh(tmp_path):
    """A plain WeasyPrint render loads its fonts anew: the faces prepared for earlier documents make
    way for later ones instead of piling up in the worker's memory."""
    fontsubset.prepared_faces.clear()
    for index in range(12):
        text = f"Trainee {index} Min-jun KIM 김민준"  # NanumMyeongjo, 3.4 MB, for the Hangul
        path = tmp_path / f"{index}.pdf"
        path.write_bytes(weasyprint.HTML(string=f'<p style="font-family: serif, NanumMyeongjo">{text} <b>bold</b></p>'
                                         ).write_pdf())
        assert f"{text} bold" in " ".join(pdftotext(path).split())

    assert 0 < fontsubset.prepared_faces.font_bytes <= fontsubset.PREPARED_BYTES


def test_a_cjk_font_collection_is_subset_by_weasyprint_without_being_prepared(tmp_path):
    """Noto Sans CJK (19 MB of CFF) would take 300 MB prepared: WeasyPrint subsets it its own way."""
    prepared = fontsubset.prepared_faces.prepared
    path = tmp_path / "cjk.pdf"
    path.write_bytes(weasyprint.HTML(string='<p style="font-family: Noto Sans CJK KR">김민준</p>').write_pdf())

    assert "김민준" in pdftotext(path)
    assert "Noto-Sans-CJK" in " ".join(font["name"] for font in pdffonts(path))
    assert fontsubset.prepared_faces.prepared == prepared
