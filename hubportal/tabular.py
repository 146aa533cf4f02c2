"""Read a coordinator's CSV or XLSX file, as it really comes, into a table of strings.

Files come from Korean and Western Excel, LibreOffice and web forms: UTF-8 with or without a BOM,
UTF-16 ("Unicode text"), CP949 / EUC-KR, Windows-1252 or Latin-1; separated by commas, semicolons
or tabs; sometimes with blank rows around the data. The format is decided by the content, never by
the file's name. Everything the importers see is a stripped string.
"""

import csv
import datetime as dt
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t")
SNIFF_LINES = 20
KOREAN_SAMPLE_CHARS = 20_000
# Members that small cannot exhaust a worker however well they compress (a sheet of blank styled
# cells compresses far beyond the ratio limit).
RATIO_CHECK_MIN_BYTES = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
_NOT_TEXT_MAGICS = (
    (b"\xd0\xcf\x11\xe0", "xls"),  # OLE: Excel 97-2003, and also any password-protected workbook
    (b"%PDF", "pdf"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
)

# hubportal.exports puts a quote before a cell that a spreadsheet would run as a formula; a file
# exported here and imported again gets its cells back as they were typed.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+")
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")
_HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")
_HANGUL_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
# Middle dot, general punctuation (“ ” … ※), CJK symbols (「」), enclosed CJK (㈜), fullwidth forms.
_CJK_PUNCTUATION = re.compile(r"[\u00b7\u2010-\u205e\u3000-\u303f\u3200-\u32ff\uff00-\uffef]")
# The 2,350 syllables of KS X 1001 (EUC-KR's rows 0xB0-0xC8): nearly all real Korean text. Western
# text read as CP949 turns "Ä", "Å" or "Š" plus a letter into one of the 8,822 other syllables.
_COMMON_SYLLABLE = re.compile(
    "[" + "".join(bytes((lead, trail)).decode("euc_kr") for lead in range(0xB0, 0xC9) for trail in range(0xA1, 0xFF))
    + "]"
)


class UnreadableFile(Exception):
    """The file cannot be read as a table; str(error) is a sentence for the coordinator."""


@dataclass
class Table:
    """A file's header row and its data rows, every cell a stripped string.

    `rows` is a generator, read once: iterating it may raise UnreadableFile (more rows than
    allowed, a CSV row the csv module cannot parse, a workbook damaged past its first rows). Each
    item is `(row number, cells)`: the number as a spreadsheet shows the row (blank rows and the
    header counted, the first row is 1), and the cells padded with "" or cut to len(headers).
    Blank rows are skipped, and a quote that an export put before a formula-like cell ("'+49 ...")
    is taken off again.
    """

    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]
    format: str  # "csv" or "xlsx"
    encoding: str | None = None  # CSV only
    delimiter: str | None = None  # CSV only
    header_row: int = 1  # the header's row number, as a spreadsheet shows it


def read_table(data: bytes, *, filename: str = "", max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX file's bytes into a Table; `max_rows` defaults to settings.IMPORT_MAX_ROWS.

    Raises UnreadableFile when the file is empty or too large, is neither CSV nor XLSX (an old .xls,
    a PDF, an image), is a damaged or oversized workbook, or has no non-empty row. `filename` is
    not consulted: the content decides the format, since files are often misnamed.
    """
    if not data or data.isspace():
        raise UnreadableFile(_("The file is empty."))
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise UnreadableFile(_("The file is larger than %(limit)s MB; split it into smaller files.") % {
            "limit": _megabytes(settings.IMPORT_MAX_BYTES)})
    if max_rows is None:
        max_rows = settings.IMPORT_MAX_ROWS
    if data.startswith(_ZIP_MAGIC):
        return _read_xlsx(data, max_rows)
    return _read_csv(data, max_rows)


def normalise_header(text: str) -> str:
    """A header's spelling for comparison: case, spaces and punctuation ignored ("E-mail" -> "email").

    NFKC first, so that full-width letters typed with a Korean keyboard and decomposed accents
    (as macOS writes them) compare equal to the ordinary ones.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Marks stay: in scripts such as Thai or Devanagari they are part of the word.
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LNM")


# --- XLSX -----------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl  # only imports read workbooks; keeps `import hubportal.tabular` light

    _check_zip(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        # openpyxl reports a damaged workbook with whatever its parser raises.
        logger.info("openpyxl could not open an uploaded workbook", exc_info=True)
        raise UnreadableFile(_damaged_workbook()) from None
    if not workbook.worksheets:
        workbook.close()
        raise UnreadableFile(_("The workbook has no worksheet."))
    sheet = workbook.worksheets[0]
    # Some writers store a wrong size for the sheet; openpyxl would stop reading at it.
    sheet.reset_dimensions()
    records = _xlsx_records(workbook, sheet)
    headers, header_row = _header(records)
    return Table(headers=headers, rows=_data_rows(records, len(headers), max_rows), format="xlsx",
                 header_row=header_row)


def _check_zip(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or that would expand beyond the configured bounds.

    zipfile stops decompressing a member at its declared size (and then fails on the CRC), so the
    declared sizes checked here bound what openpyxl can be made to inflate.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise UnreadableFile(_damaged_workbook()) from None
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise UnreadableFile(_(
            "This zip file is not an Excel workbook. Save the list from Excel as “Excel Workbook (.xlsx)” "
            "or “CSV UTF-8” and upload it again."))
    limit = settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES
    if sum(member.file_size for member in members) > limit:
        raise UnreadableFile(_("The XLSX file expands to more than %(limit)s MB; it looks damaged or malicious.") % {
            "limit": _megabytes(limit)})
    ratio = settings.IMPORT_XLSX_MAX_RATIO
    for member in members:
        if member.file_size > RATIO_CHECK_MIN_BYTES and member.file_size > ratio * member.compress_size:
            raise UnreadableFile(_(
                "The XLSX file expands to more than %(ratio)s times its size; it looks damaged or malicious."
            ) % {"ratio": ratio})


def _xlsx_records(workbook, sheet) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    except Exception:
        logger.info("openpyxl could not read an uploaded worksheet", exc_info=True)
        raise UnreadableFile(_damaged_workbook()) from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    """A cell's value as the coordinator sees it in Excel, not as Python would print it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Phone and passport numbers typed into Excel come back as floats (821012345678.0).
        if value.is_integer():
            return str(int(value))
        # Excel shows 15 significant digits: 0.1 + 0.2 is "0.3" there, not "0.30000000000000004".
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return str(value).strip()


def _damaged_workbook() -> str:
    return _("The XLSX file is damaged and cannot be read. Open it in Excel, save it again and upload it again.")


# --- CSV ------------------------------------------------------------------------------------------

def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = _decode(data)
    if not text or text.isspace():
        raise UnreadableFile(_("The file is empty."))
    delimiter = _guess_delimiter(text)
    records = _csv_records(text, delimiter)
    headers, header_row = _header(records)
    return Table(headers=headers, rows=_data_rows(records, len(headers), max_rows), format="csv",
                 encoding=encoding, delimiter=delimiter, header_row=header_row)


def _decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with; refuses what is not text."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = data.decode(encoding, errors="replace")
            if "\x00" in text:  # UTF-32, or binary that happens to start like a BOM
                raise UnreadableFile(_not_csv())
            return text, encoding
    for magic, kind in _NOT_TEXT_MAGICS:
        if data.startswith(magic):
            raise UnreadableFile(_not_csv(kind))
    if b"\x00" in data:
        raise UnreadableFile(_not_csv())
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        pass
    else:
        if _looks_korean(text):
            return text, "cp949"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # Latin-1 decodes any byte; cp1252 fails only on its five unassigned bytes.
        return data.decode("latin-1"), "latin-1"


def _looks_korean(text: str) -> bool:
    """Whether text decoded as CP949 reads as Korean rather than as Western text misread.

    Western bytes often decode "successfully" as CP949, into Hanja, symbols or rare syllables
    ("Åsa" -> "흒a"); real Korean is Hangul, mostly from the 2,350 common syllables.
    """
    sample = _non_ascii_sample(text)
    non_ascii = len(sample)
    hangul = _count(_HANGUL, sample)
    if not hangul:
        return False
    if hangul + _count(_CJK_PUNCTUATION, sample) < 0.95 * non_ascii:
        return False
    return _count(_COMMON_SYLLABLE, sample) >= 0.8 * _count(_HANGUL_SYLLABLE, sample)


def _non_ascii_sample(text: str) -> str:
    """The text's first KOREAN_SAMPLE_CHARS non-ASCII characters: counting all of a 25 MB Korean
    file's characters, class by class, would take seconds and tell nothing more."""
    runs = []
    size = 0
    for match in _NON_ASCII_RUN.finditer(text):
        runs.append(match.group())
        size += len(runs[-1])
        if size >= KOREAN_SAMPLE_CHARS:
            break
    return "".join(runs)


def _count(pattern: re.Pattern, text: str) -> int:
    return pattern.subn("", text)[1]


def _guess_delimiter(text: str) -> str:
    sample = "".join(line for line, _match in zip(_lines(text), range(SNIFF_LINES)))
    header_line = next((line for line in _lines(sample) if line.strip()), "")
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        delimiter = None
    # The sniffer can be swayed by the data rows; a header without it is not separated by it.
    if delimiter in DELIMITERS and (delimiter in header_line or not any(d in header_line for d in DELIMITERS)):
        return delimiter
    counts = [header_line.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))]  # ties go to the first: the comma


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings (\\r\\n, \\r or \\n), one at a time, for csv.reader.

    Not str.splitlines: that also splits at form feeds and Unicode line separators inside cells,
    and would copy every line at once.
    """
    for match in _LINE.finditer(text):
        yield match.group()


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_lines(text), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [_csv_cell(cell) for cell in cells]
    except csv.Error:
        raise UnreadableFile(_(
            "Row %(row)s cannot be read: a cell is too long, or a quotation mark is not closed."
        ) % {"row": number + 1}) from None


def _csv_cell(cell: str) -> str:
    if "\r" in cell:  # a line break inside a quoted cell, as Windows wrote it
        cell = cell.replace("\r\n", "\n").replace("\r", "\n")
    return cell.strip()


def _not_csv(kind: str = "") -> str:
    looks_like = {
        "xls": _("It looks like an old Excel .xls workbook, or a password-protected one."),
        "pdf": _("It looks like a PDF."),
        "image": _("It looks like an image."),
    }.get(kind)
    sentences = [
        _("This is not a CSV or XLSX file."),
        looks_like,
        _("Save it from Excel as “CSV UTF-8” or as “Excel Workbook (.xlsx)” and upload it again."),
    ]
    return " ".join(sentence for sentence in sentences if sentence)


# --- Both formats ---------------------------------------------------------------------------------

def _header(records: Iterator[tuple[int, list[str]]]) -> tuple[list[str], int]:
    """The first non-empty row, without the empty cells after its last header, and its number."""
    for number, cells in records:
        if cells and "\ufeff" in cells[0]:  # a BOM that a concatenation or a second save left behind
            cells[0] = cells[0].replace("\ufeff", "").strip()
        if any(cells):
            while cells and not cells[-1]:
                cells.pop()
            return cells, number
    raise UnreadableFile(_("The file has no header row."))


def _data_rows(records: Iterable[tuple[int, list[str]]], width: int, max_rows: int) -> Iterator[tuple[int, list[str]]]:
    count = 0
    for number, cells in records:
        if len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        elif len(cells) > width:
            del cells[width:]
        if not any(cells):
            continue
        for index, cell in enumerate(cells):
            if cell[:1] == "'" and cell[1:].lstrip(" ")[:1] in _FORMULA_STARTS:
                cells[index] = cell[1:]
        count += 1
        if count > max_rows:
            raise UnreadableFile(_("The file has more than %(limit)s rows; split it into smaller files.") % {
                "limit": max_rows})
        yield number, cells


def _megabytes(size: int) -> str:
    return f"{round(size / (1024 * 1024), 1):g}"
