"""Certificate PDFs as a reader sees them: read back with poppler's pdftotext, pdffonts and pdfinfo."""

import concurrent.futures
import datetime as dt
import itertools
import re
import subprocess
from decimal import Decimal

import pikepdf
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from certificates import pdf as certificates_pdf
from certificates.models import Certificate
from certificates.pdf import STATIC_BASE_URL, AllowListFetcher
from certificates.rendering import (
    LAYERS_USER_AGENT_STYLESHEET,
    certificate_html,
    render_certificates,
    verification_url,
)
from cohorts.models import EnrolmentStatus
from hubportal.dates import date_range
from tests.cohorts.factories import CourseSessionFactory, EnrolmentFactory
from tests.curriculum.factories import CourseFactory

pytestmark = pytest.mark.django_db

COURSE_TITLE = "Introductory Course for Biologics Development and Manufacturing"
STYLESHEET_URL = STATIC_BASE_URL + "certificates/certificate.css"

# (passport name, name in its own script, a word of the font that must carry that script)
NAMES_BY_SCRIPT = {
    "hangul": ("Min-jun KIM", "김민준", "NanumMyeongjo"),
    "arabic": ("Mohamed HASSAN", "محمد حسن", "Arabic"),
    "amharic": ("Abebe KEBEDE", "አበበ ከበደ", "Ethiopic"),
    "thai": ("Somchai SRISUK", "สมชาย ศรีสุข", "Thai"),
    "bengali": ("Tanvir AHMED", "তানভীর আহমেদ", "Bengali"),
    "devanagari": ("Ramesh SHRESTHA", "रमेश श्रेष्ठ", "Devanagari"),
    "vietnamese": ("Thi Lan NGUYEN", "Nguyễn Thị Lan", "Serif"),
}

_numbers = itertools.count(1)


def make_certificate(**fields) -> Certificate:
    """A saved certificate of a completed enrolment; `fields` override what it certifies."""
    course = CourseFactory(code="BDM", title=COURSE_TITLE)
    enrolment = EnrolmentFactory(session=CourseSessionFactory(course=course), status=EnrolmentStatus.COMPLETED)
    number = next(_numbers)
    values = {
        "enrolment": enrolment, "course": course, "year": 2022, "number": number,
        "serial": f"BDM-2022-{number:04d}", "holder_name": enrolment.trainee.full_name,
        "course_title": course.title, "start_date": dt.date(2022, 7, 18), "end_date": dt.date(2022, 7, 29),
        "learning_hours": Decimal("48.0"), "issued_at": timezone.now(),
    }
    values.update(fields)
    return Certificate.objects.create(**values)


def write_pdfs(tmp_path, certificates) -> list:
    paths = []
    for certificate, pdf in zip(certificates, render_certificates(certificates), strict=True):
        path = tmp_path / f"{certificate.serial}.pdf"
        path.write_bytes(pdf)
        paths.append(path)
    return paths


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def squeezed(text: str) -> str:
    """Text without whitespace or bidi marks. pdftotext guesses word gaps from glyph positions and puts
    spaces inside Bengali and Devanagari words (after vowel signs); the letters and their order are
    what the PDF really holds."""
    return re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", text)


def pdffonts(path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-number generation: read from both ends.
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return rows


def pdfinfo(path) -> str:
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def page_count(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", pdfinfo(path), re.MULTILINE).group(1))


@pytest.mark.parametrize("script", NAMES_BY_SCRIPT)
def test_certificate_prints_the_name_in_its_script_with_serial_course_dates_and_hours(tmp_path, script):
    holder_name, native_name, font_word = NAMES_BY_SCRIPT[script]
    certificate = make_certificate(holder_name=holder_name, holder_native_name=native_name)

    [path] = write_pdfs(tmp_path, [certificate])

    text = pdftotext(path)
    assert page_count(path) == 1
    assert holder_name in text
    assert squeezed(native_name) in squeezed(text)
    assert certificate.serial in text
    assert COURSE_TITLE in text
    assert "18 – 29 July 2022" in text
    assert "48 learning hours" in text
    assert "Certificate of Completion" in text
    assert "Global Training Hub for Biomanufacturing".upper() in text
    fonts = pdffonts(path)
    assert fonts, "no fonts in the PDF"
    for font in fonts:
        assert (font["emb"], font["sub"]) == ("yes", "yes"), font
        # Noto for every script but Hangul: NanumMyeongjo (TrueType) subsets small, Noto CJK does not.
        assert re.fullmatch(r"[A-Z]{6}\+(Noto-.+|NanumMyeongjo.*)", font["name"]), font
    assert any(font_word in font["name"] for font in fonts), fonts


def test_each_certificate_gets_its_own_one_page_pdf_without_a_query_per_certificate(
    tmp_path, django_assert_num_queries
):
    names = ["Ama MENSAH", "Maria Fernanda GONZALEZ RODRIGUEZ", "Ji-woo PARK"]
    for name in names:
        make_certificate(holder_name=name)
    # As the worker selects them.
    certificates = list(Certificate.objects.select_related("enrolment__trainee").order_by("serial"))

    with django_assert_num_queries(0):
        paths = write_pdfs(tmp_path, certificates)

    assert len(paths) == 3
    for path, certificate in zip(paths, certificates):
        text = pdftotext(path)
        assert page_count(path) == 1
        # The viewer's title bar names the holder and the serial.
        title = f"Certificate of Completion – {certificate.holder_name} – {certificate.serial}"
        assert re.search(r"^Title:\s+(.*)$", pdfinfo(path), re.MULTILINE).group(1) == title
        with pikepdf.open(path) as pdf:
            assert pdf.check_pdf_syntax() == []  # qpdf finds nothing wrong in the file's structure
        assert certificate.holder_name in text and certificate.serial in text
        for other in certificates:
            if other is not certificate:
                assert other.holder_name not in text and other.serial not in text


def test_batches_rendered_in_two_threads_at_once_each_print_their_own_names(tmp_path):
    """Fonts are kept per thread from one document to the next; two threads rendering at the same
    time (`runserver` serves requests in threads) each get their own and their own pages."""
    batches = [[make_certificate(holder_name=name, holder_native_name=native)
                for name, native, _font in list(NAMES_BY_SCRIPT.values())[offset::2]]
               for offset in (0, 1)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        rendered = list(pool.map(render_certificates, batches * 2))

    for certificates, pdfs in zip(batches * 2, rendered, strict=True):
        for certificate, pdf in zip(certificates, pdfs, strict=True):
            path = tmp_path / f"{certificate.serial}.pdf"
            path.write_bytes(pdf)
            text = pdftotext(path)
            assert squeezed(certificate.holder_native_name) in squeezed(text)
            assert certificate.holder_name in text


def test_longest_name_native_name_and_title_still_fit_on_one_page(tmp_path):
    certificate = make_certificate(
        holder_name=("Maria Fernanda de los Angeles GONZALEZ RODRIGUEZ " * 5)[:220],
        holder_native_name=("محمد بن عبد الله " * 12)[:200],
        course_title=("Introductory Course for Standard Practice (GxP, quality assurance) " * 3)[:200],
    )

    neighbour = make_certificate()

    paths = write_pdfs(tmp_path, [certificate, neighbour])

    assert [page_count(path) for path in paths] == [1, 1]
    # The names, however long, stay in their band: below "This is to certify that", above "has completed".
    words = word_boxes(paths[0])
    top = max(y_max for text, _, _, _, y_max in words if text == "certify")
    bottom = min(y_min for text, _, y_min, _, _ in words if text == "completed")
    names = [(y_min, y_max) for text, _, y_min, _, y_max in words if text in {"GONZALEZ", "محمد"}]
    assert names and all(top < y_min and y_max < bottom for y_min, y_max in names), (top, bottom, names)
    assert certificate.serial in pdftotext(paths[0])
    assert neighbour.serial in pdftotext(paths[1]) and certificate.serial not in pdftotext(paths[1])


def test_markup_in_names_and_titles_is_printed_as_text_and_nothing_is_fetched(tmp_path, monkeypatch):
    fetched = []
    fetch = AllowListFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(certificates_pdf.AllowListFetcher, "fetch", spy)
    certificate = make_certificate(
        holder_name='<img src="file:///etc/passwd">',
        holder_native_name='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
        course_title='Course <img src="http://127.0.0.1:9/x.png"> on GxP',
    )

    [path] = write_pdfs(tmp_path, [certificate])

    text = pdftotext(path)
    assert '<img src="file:///etc/passwd">' in text
    assert '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">' in text
    assert 'Course <img src="http://127.0.0.1:9/x.png"> on GxP' in text
    assert STYLESHEET_URL in fetched, "the spy saw no fetch at all"
    assert all(url == STYLESHEET_URL or url.startswith("data:") for url in fetched), fetched


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://127.0.0.1:9/x.png",
    "https://example.org/font.woff2",
    "file:///hubportal-static/../../etc/passwd",
    "file:///hubportal-static/%2e%2e/%2e%2e/etc/passwd",
    "file:///hubportal-static/no-such-file.css",
])
def test_allow_list_fetcher_refuses_anything_but_static_files_and_data(url):
    with pytest.raises(ValueError):
        AllowListFetcher().fetch(url)


def test_allow_list_fetcher_serves_the_certificate_stylesheet():
    response = AllowListFetcher().fetch(STYLESHEET_URL)
    try:
        body = response.read()
    finally:
        response.close()
    assert b"@page" in body


def scanned_qr_codes(path, tmp_path) -> list[str]:
    """What a phone would read off the printed page: the page as a 150 dpi image, scanned by zbar."""
    image = tmp_path / f"{path.stem}-scan"
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(image)], check=True)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(image) + ".png"], capture_output=True, text=True)
    return out.stdout.split()


def test_printed_qr_code_scans_to_the_verification_url_which_is_also_printed(tmp_path, settings):
    settings.PORTAL_BASE_URL = "https://hub.example.org/"
    certificates = [make_certificate(), make_certificate(holder_native_name="김민준")]
    urls = ["https://hub.example.org" + reverse("certificate_verify", args=[c.verification_code])
            for c in certificates]

    paths = write_pdfs(tmp_path, certificates)

    for path, url in zip(paths, urls, strict=True):
        assert scanned_qr_codes(path, tmp_path) == [url]
        assert squeezed(url) in squeezed(pdftotext(path))


def word_boxes(path) -> list[tuple]:
    """Every word pdftotext finds with its box (points, rounded to a tenth), in reading order."""
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', html)
    return sorted((text, *(round(float(v), 1) for v in box)) for *box, text in words)


def page_image(path) -> bytes:
    """The page as a reader's screen shows it: a 100 dpi greyscale image (PGM)."""
    return subprocess.run(["pdftoppm", "-r", "100", "-gray", "-singlefile", str(path)], check=True,
                          capture_output=True).stdout


def test_layered_certificate_looks_exactly_like_the_whole_page_design(tmp_path):
    """The whole page is a plain WeasyPrint render (its own user-agent stylesheet), in every script."""
    certificates = [make_certificate(holder_name="Nicolas MARTINEZ", holder_native_name="Nicolás Martínez"),
                    make_certificate(holder_name="Santiago SOSA")]
    certificates += [make_certificate(holder_name=holder_name, holder_native_name=native_name)
                     for holder_name, native_name, _font in NAMES_BY_SCRIPT.values()]
    paths = write_pdfs(tmp_path, certificates)

    for certificate, path in zip(certificates, paths, strict=True):
        whole = tmp_path / f"{certificate.serial}-whole.pdf"
        whole.write_bytes(certificates_pdf.html_to_pdf(certificate_html([certificate])))
        assert word_boxes(path) == word_boxes(whole)
        # Frame, lines and QR code too, pixel for pixel; and the code is the certificate's own.
        assert page_image(path) == page_image(whole), "the layered page does not look like the whole page"
        assert scanned_qr_codes(path, tmp_path) == [verification_url(certificate)]


def test_certificate_layers_are_rendered_with_our_user_agent_stylesheet_instead_of_weasyprints(tmp_path):
    """Our sheet knows no lists: a list item printed without its bullet shows that WeasyPrint used
    ours, which spares the layers a sixth of their rendering time (tests/bench/bench_certificates.py)."""
    html = "<ul><li>Quality control</li></ul>"
    ours = tmp_path / "ours.pdf"
    ours.write_bytes(certificates_pdf.html_to_document(
        html, user_agent_stylesheet=LAYERS_USER_AGENT_STYLESHEET).write_pdf())
    stock = tmp_path / "stock.pdf"
    stock.write_bytes(certificates_pdf.html_to_pdf(html))
    assert "•" in pdftotext(stock)
    assert "•" not in pdftotext(ours)
    assert "Quality control" in pdftotext(ours)


def test_a_batch_of_two_course_runs_prints_each_certificate_with_its_own_course_and_dates(tmp_path):
    july = make_certificate()
    october = make_certificate(course_title="Introductory Course for Standard Practice (GxP)",
                               start_date=dt.date(2022, 10, 17), end_date=dt.date(2022, 10, 21),
                               learning_hours=Decimal("37.5"))
    another_july = make_certificate()

    paths = write_pdfs(tmp_path, [july, october, another_july])

    texts = [pdftotext(path) for path in paths]
    for text in (texts[0], texts[2]):
        assert COURSE_TITLE in text and "18 – 29 July 2022 · 48 learning hours" in text
        assert "GxP" not in text and "October" not in text
    assert "Introductory Course for Standard Practice (GxP)" in texts[1]
    assert "17 – 21 October 2022 · 37.5 learning hours" in texts[1]
    assert COURSE_TITLE not in texts[1] and "July" not in texts[1]


@pytest.mark.parametrize(("start", "end", "printed"), [
    (dt.date(2022, 7, 18), dt.date(2022, 7, 29), "18 – 29 July 2022"),
    (dt.date(2022, 6, 27), dt.date(2022, 7, 8), "27 June – 8 July 2022"),
    (dt.date(2022, 12, 28), dt.date(2023, 1, 6), "28 December 2022 – 6 January 2023"),
    (dt.date(2022, 10, 17), dt.date(2022, 10, 17), "17 October 2022"),
])
def test_dates_are_printed_as_one_span(start, end, printed):
    assert date_range(start, end) == printed


def test_half_hours_are_printed_and_native_names_carry_their_language_and_direction():
    html = certificate_html([
        make_certificate(holder_native_name="김민준", learning_hours=Decimal("37.5")),
        make_certificate(holder_native_name="محمد حسن"),
    ])

    assert "37.5 learning hours" in html
    assert 'lang="ko" dir="auto">김민준<' in html
    assert 'lang="ar" dir="auto">محمد حسن<' in html


def test_certificates_are_in_english_whatever_language_the_portal_is_read_in(tmp_path):
    certificate = make_certificate(holder_name="Min-jun KIM", holder_native_name="김민준")

    with translation.override("ko"):
        [path] = write_pdfs(tmp_path, [certificate])

    text = pdftotext(path)
    assert "Certificate of Completion" in text and "This is to certify that" in text
    assert "18 – 29 July 2022 · 48 learning hours" in text
    assert "수료증" not in text and "증명" not in text
