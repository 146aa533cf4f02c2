"""Reading coordinators' files as they really come: encodings, separators, workbooks, and refusals."""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from hubportal.tabular import UnreadableFile, normalise_header, read_table

MB = 1024 * 1024

HEADERS = ["Given name", "Family name", "Email", "Country"]
ROWS = [
    ["José", "García", "jose.garcia@example.es", "Spain"],
    ["Anna", "Müller", "anna.mueller@example.de", "Germany"],
    ["Nguyễn Thị Lan", "Nguyễn", "lan.nguyen@example.vn", "Viet Nam"],
    ["김민준", "Kim", "minjun.kim@example.kr", "Korea, Republic of"],
    ["محمد", "Al-Rashid", "m.rashid@example.eg", "Egypt"],
    ["Ñandú;quoted, cell", "O'Brien", "nandu@example.ar", "Argentina\nBuenos Aires office"],
]
# As a spreadsheet numbers them: the header is row 1; the quoted line break does not start a row.
ROW_NUMBERS = [2, 3, 4, 5, 6, 7]

KOREAN_HEADERS = ["성", "이름", "이메일", "국가", "소속기관", "직위"]
KOREAN_ROWS = [
    ["김", "민준", "minjun@example.kr", "대한민국", "한국생명공학연구원", "선임연구원"],
    ["이", "서연", "seoyeon@example.kr", "대한민국", "㈜셀트리온", "품질관리 팀장"],
    ["박", "지훈", "jihoon@example.kr", "대한민국", "식품의약품안전처", "주무관"],
]

WESTERN_HEADERS = ["Given name", "Family name", "Email", "Organisation"]
WESTERN_ROWS = [
    ["François", "Lefèvre", "f.lefevre@example.fr", "Institut Pasteur"],
    ["Anna", "Müller", "anna.mueller@example.de", "Impfstoffwerk Süd"],
    ["Åsa", "Ångström", "asa@example.se", "Läkemedelsverket"],
    ["Íñigo", "Ñúñez", "inigo@example.es", "Budget: 1.500 €"],
]


def csv_bytes(headers, rows, *, encoding="utf-8", delimiter=",", lineterminator="\r\n") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows_by_number: dict[int, list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, values in rows_by_number.items():
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def refusal(data: bytes, **kwargs) -> str:
    with pytest.raises(UnreadableFile) as error:
        table = read_table(data, **kwargs)
        list(table.rows)
    return str(error.value)


def cells(table) -> list[list[str]]:
    return [row for _number, row in table.rows]


# --- CSV as Excel, LibreOffice and web forms write it ----------------------------------------------

@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected_encoding"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8", ";", "utf-8"),
        ("utf-8", "\t", "utf-8"),
        ("utf-8-sig", ",", "utf-8-sig"),  # Excel's "CSV UTF-8"
        ("utf-8-sig", ";", "utf-8-sig"),  # the same from a European Excel
        ("utf-16", "\t", "utf-16"),  # Excel's "Unicode text"
    ],
)
def test_names_in_every_script_come_back_exactly(encoding, delimiter, expected_encoding):
    table = read_table(csv_bytes(HEADERS, ROWS, encoding=encoding, delimiter=delimiter), filename="list.csv")

    assert table.format == "csv"
    assert table.encoding == expected_encoding
    assert table.delimiter == delimiter
    assert table.headers == HEADERS
    numbered = list(table.rows)
    assert [row for _number, row in numbered] == ROWS
    assert [number for number, _row in numbered] == ROW_NUMBERS


def test_utf16_big_endian_is_read_too():
    data = b"\xfe\xff" + csv_bytes(HEADERS, ROWS, encoding="utf-16-be", delimiter="\t")

    table = read_table(data)

    assert (table.encoding, table.headers, cells(table)) == ("utf-16", HEADERS, ROWS)


@pytest.mark.parametrize("encoding", ["cp949", "euc_kr"])
def test_korean_excel_files_are_read_as_cp949(encoding):
    table = read_table(csv_bytes(KOREAN_HEADERS, KOREAN_ROWS, encoding=encoding))

    assert table.encoding == "cp949"  # a superset of EUC-KR: one name for both
    assert table.headers == KOREAN_HEADERS
    assert cells(table) == KOREAN_ROWS


def test_cp949_syllables_outside_euc_kr_are_read():
    rows = [["최", "똠", "ttom@example.kr", "대한민국", "한국보건산업진흥원", "연구원"]]
    data = csv_bytes(KOREAN_HEADERS, rows, encoding="cp949")
    assert "똠".encode("cp949")[0] < 0xA1  # a Unified Hangul Code byte pair, outside EUC-KR's range

    table = read_table(data)

    assert (table.encoding, cells(table)) == ("cp949", rows)


def test_windows_1252_names_and_euro_sign_come_back_exactly():
    table = read_table(csv_bytes(WESTERN_HEADERS, WESTERN_ROWS, encoding="cp1252", delimiter=";"))

    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers == WESTERN_HEADERS
    assert cells(table) == WESTERN_ROWS


def test_latin1_names_come_back_exactly():
    rows = [row[:3] + ["Institut Pasteur"] for row in WESTERN_ROWS]  # Latin-1 has no euro sign

    table = read_table(csv_bytes(WESTERN_HEADERS, rows, encoding="latin-1"))

    # Latin-1's letters are Windows-1252's, byte for byte; the name reported is the wider one.
    assert table.encoding == "cp1252"
    assert cells(table) == rows


def test_bytes_that_windows_1252_leaves_unassigned_fall_back_to_latin1():
    table = read_table("Name,Note\nJosé,x\x81y\n".encode("latin-1"))

    assert table.encoding == "latin-1"
    assert cells(table) == [["José", "x\x81y"]]


@pytest.mark.parametrize(
    "names",
    [
        "Müller;Ñandú",
        # Each of these decodes without error as CP949, into Hangul syllables ("Åsa" -> "흒a").
        "Ärzte;Šimon",
        "Åsa;Ängel",
    ],
)
def test_western_names_are_not_mistaken_for_korean(names):
    data = f"Given name;Family name\n{names}\n".encode("cp1252")

    table = read_table(data)

    assert table.encoding == "cp1252"
    assert cells(table) == [names.split(";")]


def test_old_mac_line_ends_are_rows_too():
    table = read_table(csv_bytes(HEADERS, ROWS[:2], lineterminator="\r"))

    assert (table.headers, cells(table)) == (HEADERS, ROWS[:2])


def test_a_quoted_tab_stays_inside_its_cell():
    data = b'Name\tNote\n"Kim"\t"first\tsecond\nthird"\nLee\tok\n'

    table = read_table(data)

    assert table.delimiter == "\t"
    assert list(table.rows) == [(2, ["Kim", "first\tsecond\nthird"]), (3, ["Lee", "ok"])]


def test_blank_rows_and_padding_spaces_are_not_data():
    data = (
        b"\r\n \r\n,,\r\n"  # blank rows, and a row of empty cells, before the header
        b"  Given name , Email ,,\r\n"
        b" Ana ,ana@example.org\r\n"
        b",,\r\n"
        b"\r\n"
        b"Ben, ben@example.org ,extra,cells\r\n"
    )

    table = read_table(data)

    assert table.headers == ["Given name", "Email"]  # the empty cells after the last header are dropped
    assert table.header_row == 4
    assert list(table.rows) == [(5, ["Ana", "ana@example.org"]), (8, ["Ben", "ben@example.org"])]


def test_a_quotation_mark_left_open_is_reported_with_its_row():
    data = b'Name,Note\nAna,ok\nBen,"left open\n' + b"Cho,more\n" * 20_000  # swallows the rest of the file

    table = read_table(data)

    with pytest.raises(UnreadableFile, match=r"^Row 3 cannot be read: .*quotation mark is not closed\.$"):
        list(table.rows)


def test_short_rows_are_padded_to_the_headers():
    table = read_table(b"a,b,c\n1\n1,2\n")

    assert cells(table) == [["1", "", ""], ["1", "2", ""]]


def test_a_stray_byte_order_mark_is_not_part_of_the_first_header():
    data = b"\n" + "\ufeffEmail;Name\nana@example.org;Ana\n".encode()

    table = read_table(data)

    assert table.headers == ["Email", "Name"]


def test_a_single_column_without_separators_is_still_a_table():
    table = read_table(b"Dear coordinator,\nplease find the list attached.\n")

    assert table.headers == ["Dear coordinator"]  # the importer then reports the missing columns
    assert cells(table) == [["please find the list attached."]]


def test_a_semicolon_header_wins_over_commas_inside_the_data():
    data = "Name;Organisation\nAna;Ministry of Health, Welfare and Sport\nBen;Institut Pasteur, Dakar\n".encode()

    table = read_table(data)

    assert table.delimiter == ";"
    assert cells(table)[0] == ["Ana", "Ministry of Health, Welfare and Sport"]


# --- XLSX -----------------------------------------------------------------------------------------

def test_workbook_cells_read_as_excel_shows_them():
    data = xlsx_bytes({
        3: ["Given name ", "Phone", "Group", "Start", "Arrival", "Slot", "Confirmed", "Score", "Passport"],
        4: ["  Ana", 821012345678, 12.0, dt.date(2022, 7, 18), dt.datetime(2022, 7, 18, 9, 30),
            dt.time(14, 0), True, 3.5, 821012345678.0],
        6: ["Ben", None, 0.1 + 0.2],
    })

    table = read_table(data, filename="attendance.csv")  # misnamed: the content decides

    assert (table.format, table.encoding, table.delimiter) == ("xlsx", None, None)
    assert table.header_row == 3  # after two blank rows
    assert table.headers == ["Given name", "Phone", "Group", "Start", "Arrival", "Slot", "Confirmed", "Score",
                             "Passport"]
    assert list(table.rows) == [
        (4, ["Ana", "821012345678", "12", "2022-07-18", "2022-07-18 09:30", "14:00", "TRUE", "3.5",
             "821012345678"]),
        (6, ["Ben", "", "0.3", "", "", "", "", "", ""]),  # row 5, blank, is skipped
    ]


def test_workbook_with_only_a_header_has_no_rows():
    table = read_table(xlsx_bytes({1: HEADERS}))

    assert (table.headers, cells(table)) == (HEADERS, [])


def test_workbook_round_trips_names_in_every_script():
    table = read_table(xlsx_bytes({1: HEADERS, **{n: row for n, row in zip(ROW_NUMBERS, ROWS)}}))

    assert (table.headers, cells(table)) == (HEADERS, ROWS)


def test_a_zip_bomb_is_refused_before_openpyxl_opens_it(settings, monkeypatch):
    settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = 5 * MB
    opened = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: opened.append(args))
    data = zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(6 * MB)})

    message = refusal(data)

    assert "expands to more than 5 MB" in message
    assert "damaged or malicious" in message
    assert opened == []


def test_a_member_that_expands_too_far_is_refused(settings):
    settings.IMPORT_XLSX_MAX_RATIO = 200
    data = zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/sharedStrings.xml": bytes(2 * MB)})
    assert len(data) < 2 * MB / 200  # the member's ratio is far above 200

    message = refusal(data)

    assert "expands to more than 200 times its size" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    data = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})

    assert "not an Excel workbook" in refusal(data)


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\x00garbage" * 100,
        xlsx_bytes({1: HEADERS, 2: ROWS[0]})[:2000],  # an upload cut short
    ],
    ids=["garbage", "truncated"],
)
def test_a_damaged_workbook_is_refused_in_plain_words(data):
    message = refusal(data)

    assert message.startswith("The XLSX file is damaged and cannot be read.")
    assert "Error" not in message and "Traceback" not in message


def test_a_workbook_whose_sheet_is_damaged_is_refused_in_plain_words():
    valid = xlsx_bytes({1: HEADERS, 2: ROWS[0]})
    with zipfile.ZipFile(io.BytesIO(valid)) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>not xml"

    message = refusal(zip_bytes(members))

    assert message.startswith("The XLSX file is damaged and cannot be read.")


# --- Files that are no table at all -------------------------------------------------------------

@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "old Excel .xls"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20), "image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image"),
        (b"Name,Email\n\x00\x01\x02\x03binary", ""),
    ],
    ids=["xls", "pdf", "png", "jpeg", "nul-bytes"],
)
def test_files_that_are_not_tables_are_refused_with_what_to_do(data, looks_like):
    message = refusal(data, filename="list.csv")

    assert message.startswith("This is not a CSV or XLSX file")
    assert looks_like in message
    assert "CSV UTF-8" in message and "xlsx" in message


@pytest.mark.parametrize("data", [b"", b"   ", b"\r\n\r\n  \n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n\r\n"])
def test_an_empty_file_is_refused(data):
    assert refusal(data) == "The file is empty."


@pytest.mark.parametrize("data", [b",,,\r\n,,\r\n , \r\n", b";;\n ; \n", xlsx_bytes({})])
def test_a_file_without_any_filled_cell_has_no_header_row(data):
    assert refusal(data) == "The file has no header row."


def test_a_file_larger_than_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1 * MB
    header = b"Name,Email\n"
    row = b"Ana,ana@example.org\n"
    data = header + row * ((MB - len(header)) // len(row))
    data += b" " * (MB - len(data))
    assert len(data) == MB

    assert len(cells(read_table(data))) > 1000  # exactly the limit is fine
    assert refusal(data + b"\n") == "The file is larger than 1 MB; split it into smaller files."


# --- Row limit -----------------------------------------------------------------------------------

def test_too_many_rows_are_refused_while_reading_them(settings):
    settings.IMPORT_MAX_ROWS = 5
    table = read_table(csv_bytes(["Name"], [[f"Trainee {n}"] for n in range(6)]))  # reading starts lazily

    with pytest.raises(UnreadableFile, match=r"^The file has more than 5 rows; split it into smaller files\.$"):
        list(table.rows)


def test_exactly_the_row_limit_is_fine_and_blank_rows_do_not_count(settings):
    settings.IMPORT_MAX_ROWS = 5
    rows = [[f"Trainee {n}"] for n in range(5)]
    data = csv_bytes(["Name"], rows).replace(b"\r\n", b"\r\n\r\n")

    assert cells(read_table(data)) == rows


def test_max_rows_argument_overrides_the_setting_for_workbooks_too():
    data = xlsx_bytes({1: ["Name"], **{n: [f"Trainee {n}"] for n in range(2, 5)}})

    assert len(cells(read_table(data, max_rows=3))) == 3
    with pytest.raises(UnreadableFile, match="more than 2 rows"):
        cells(read_table(data, max_rows=2))


# --- Header spellings ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("소속 기관", "소속기관"),
        ("E-mail", "email"),
        ("Email address", "emailaddress"),
        (" Given name* ", "givenname"),
        ("given_name", "givenname"),
        ("ＥＭＡＩＬ", "email"),  # full-width, as typed with a Korean keyboard
        ("Pre\u0301nom", "prénom"),  # a decomposed accent, as macOS writes it
        ("Straße", "strasse"),
        ("이름(영문)", "이름영문"),
    ],
)
def test_header_spellings_compare_ignoring_case_spaces_and_punctuation(header, key):
    assert normalise_header(header) == key


def test_a_cell_an_export_neutralised_comes_back_as_it_was_typed():
    table = read_table("Email,Phone,Note\r\na@b.test,'+49 30 1234,'=1+1\r\nc@d.test,'plain,it's\r\n".encode())
    assert [cells for _number, cells in table.rows] == [
        ["a@b.test", "+49 30 1234", "=1+1"], ["c@d.test", "'plain", "it's"]]
