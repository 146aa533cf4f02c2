"""Exported sheets: no cell runs as a formula in a spreadsheet, and names in any script survive."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
import tablib
from django.utils.translation import gettext_lazy
from import_export.formats import base_formats

from hubportal.exports import EXPORT_FORMATS, SafeCSV, SafeXLSX, neutralise_formula

BOM = b"\xef\xbb\xbf"


def exported_csv_rows(data: bytes) -> list[list[str]]:
    """The rows of a SafeCSV export, header first, as a spreadsheet would split them."""
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def exported_xlsx_sheet(data: bytes):
    """The first sheet of a SafeXLSX export, as openpyxl reads it back (formulas as formulas)."""
    return openpyxl.load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+49 30 1234",  # a phone number with its country code: Excel would compute 49 + 30 ... too
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "  =x",  # leading spaces hide the formula only until someone trims the cell
        " \t+x",
        '=HYPERLINK("http://x")',
    ],
)
def test_strings_a_spreadsheet_would_run_get_a_leading_quote(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Ama Mensah", "김민준", "أمينة", "O'Brien", "a=b", "x-1", "", "   ", "2022-07-18"])
def test_ordinary_strings_are_unchanged(value):
    assert neutralise_formula(value) == value


@pytest.mark.parametrize("value", [5, -5, -2.5, 0, None, True, dt.date(2022, 7, 18)])
def test_values_that_are_not_strings_stay_as_they_are(value):
    assert neutralise_formula(value) is value


def test_a_lazy_translation_is_rendered_then_checked():
    assert neutralise_formula(gettext_lazy("Confirmed")) == "Confirmed"
    assert neutralise_formula(gettext_lazy("=1+1")) == "'=1+1"


def dataset():
    return tablib.Dataset(
        ["=1+1", "+49 30 1234", -5, None, "김민준", "\tx"],
        ["@SUM(A1)", "Ghana", 2.5, "", "أمينة", "-2+3"],
        headers=["Name", "=Header", "Number", "Empty", "Native name", "Note"],
        title="Trainees",
    )


def test_the_csv_starts_with_a_bom_and_every_dangerous_cell_is_quoted():
    data = SafeCSV().export_data(dataset())

    assert data.startswith(BOM)  # Excel reads the file as UTF-8 only with it
    assert exported_csv_rows(data) == [
        ["Name", "'=Header", "Number", "Empty", "Native name", "Note"],
        ["'=1+1", "'+49 30 1234", "-5", "", "김민준", "'\tx"],
        ["'@SUM(A1)", "Ghana", "2.5", "", "أمينة", "'-2+3"],
    ]


def test_the_callers_dataset_is_left_untouched():
    data = dataset()
    SafeCSV().export_data(data)
    SafeXLSX().export_data(data)

    assert data.headers[1] == "=Header"
    assert data[0][0] == "=1+1" and data[0][2] == -5


def test_the_plain_xlsx_format_writes_a_formula():
    # What SafeXLSX is for: openpyxl stores a string beginning with "=" as a formula.
    sheet = exported_xlsx_sheet(base_formats.XLSX().export_data(dataset()))
    assert sheet["A2"].data_type == "f"


def test_the_xlsx_holds_strings_not_formulas_and_numbers_stay_numbers():
    sheet = exported_xlsx_sheet(SafeXLSX().export_data(dataset()))

    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    for coordinate, value in [("B1", "'=Header"), ("A2", "'=1+1"), ("B2", "'+49 30 1234"), ("F2", "'\tx"),
                              ("A3", "'@SUM(A1)"), ("F3", "'-2+3")]:
        assert (sheet[coordinate].data_type, sheet[coordinate].value) == ("s", value)
    assert (sheet["C2"].data_type, sheet["C2"].value) == ("n", -5)
    assert sheet["E2"].value == "김민준" and sheet["E3"].value == "أمينة"
    assert sheet.title == "Trainees"


def test_the_admin_offers_the_safe_formats_only():
    assert EXPORT_FORMATS == [SafeCSV, SafeXLSX]
    assert all(fmt().can_export() and not fmt().can_import() for fmt in EXPORT_FORMATS)
    assert SafeCSV().get_extension() == "csv" and SafeXLSX().get_extension() == "xlsx"
