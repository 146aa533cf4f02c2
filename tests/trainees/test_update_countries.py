"""`manage.py update_countries CLASS.xlsx`: the World Bank's yearly income groups, applied by ISO alpha-3."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hubportal.audit.models import AuditEntry
from trainees.management.commands.update_countries import fiscal_year_in_force
from trainees.models import Country, IncomeClassification

from ..importfiles import csv_bytes

HEADER = ["Economy", "Code", "Region", "Income group", "Lending category"]
# As CLASS.xlsx lists them: economies A-Z, then the aggregates. Three groups differ from FY2026's
# (Nigeria, Ghana, Venezuela); Korea and Kenya stay as they are.
ECONOMIES = [
    ["Ghana", "GHA", "Sub-Saharan Africa", "Upper middle income", "IDA"],
    ["Kenya", "KEN", "Sub-Saharan Africa", "Lower middle income", "Blend"],
    ["Korea, Rep.", "KOR", "East Asia & Pacific", "High income", ""],
    ["Kosovo", "XKX", "Europe & Central Asia", "Upper middle income", "IDA"],
    ["Channel Islands", "CHI", "Europe & Central Asia", "High income", ""],
    ["Nigeria", "NGA", "Sub-Saharan Africa", "Low income", "Blend"],
    ["Venezuela, RB", "VEN", "Latin America & Caribbean", "Upper middle income", "IBRD"],
    [],
    ["Sub-Saharan Africa", "SSF", "", "", ""],
    ["World", "WLD", "", "", ""],
]


def class_xlsx(path, rows, *, sheet_title="List of economies"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    for row in rows:
        sheet.append(row)
    book.create_sheet("compositions").append(["WB_Code", "Income_group_code"])
    book.save(path)
    return path


def update(*args):
    out = io.StringIO()
    call_command("update_countries", *map(str, args), stdout=out)
    return out.getvalue().splitlines()


def groups(*codes):
    return dict(Country.objects.filter(code__in=codes).values_list("code", "income_group"))


@pytest.fixture
def class_file(tmp_path, reference_countries):
    return class_xlsx(tmp_path / "CLASS.xlsx", [HEADER, *ECONOMIES])


def test_the_changed_groups_are_printed_applied_and_audited_and_nothing_else_moves(class_file):
    untouched = dict(Country.objects.exclude(code__in=["GH", "NG", "VE"]).values_list("code", "income_group"))
    regions = dict(Country.objects.values_list("code", "who_region"))

    lines = update(class_file, "--fiscal-year", "2027")

    assert lines[:3] == [
        "Ghana (GHA): Lower-middle income → Upper-middle income",
        "Nigeria (NGA): Lower-middle income → Low income",
        "Venezuela (VEN): unclassified → Upper-middle income",
    ]
    assert "Skipped 2 economies without an ISO 3166-1 code: Kosovo (XKX), Channel Islands (CHI)." in lines
    assert "Skipped 2 aggregates (regions and groups of economies, such as Sub-Saharan Africa (SSF))." in lines
    assert lines[-1].startswith("FY2027: 3 changed, 2 unchanged, 244 of the hub's countries not in the file")
    assert groups("GH", "NG", "VE") == {"GH": "upper_middle", "NG": "low", "VE": "upper_middle"}
    assert dict(Country.objects.exclude(code__in=["GH", "NG", "VE"]).values_list("code", "income_group")) == untouched
    assert dict(Country.objects.values_list("code", "who_region")) == regions
    assert IncomeClassification.objects.latest().fiscal_year == 2027
    assert IncomeClassification.objects.latest().source == "CLASS.xlsx"
    entries = AuditEntry.objects.filter(action="country.income_group").order_by("target_repr")
    assert [(e.target_repr, e.data["changes"], e.data["fiscal_year"]) for e in entries] == [
        ("Ghana", {"income_group": ["lower_middle", "upper_middle"]}, 2027),
        ("Nigeria", {"income_group": ["lower_middle", "low"]}, 2027),
        ("Venezuela", {"income_group": ["", "upper_middle"]}, 2027),
    ]
    assert all(entry.actor is None for entry in entries)  # the command acts as the system


def test_applying_the_same_file_again_changes_nothing(class_file):
    update(class_file, "--fiscal-year", "2027")
    audited = AuditEntry.objects.filter(action="country.income_group").count()
    lines = update(class_file, "--fiscal-year", "2027")
    assert lines[-1].startswith("FY2027: 0 changed, 5 unchanged")
    assert AuditEntry.objects.filter(action="country.income_group").count() == audited
    assert IncomeClassification.objects.filter(fiscal_year=2027).count() == 1


def test_a_dry_run_prints_the_changes_and_writes_nothing(class_file):
    lines = update(class_file, "--fiscal-year", "2027", "--dry-run")
    assert "Nigeria (NGA): Lower-middle income → Low income" in lines
    assert lines[-1] == "Dry run: nothing was written."
    assert groups("NG", "GH") == {"NG": "lower_middle", "GH": "lower_middle"}
    assert not AuditEntry.objects.exists()
    assert IncomeClassification.objects.latest().fiscal_year == 2026


def test_a_csv_of_the_same_columns_works_too_and_blank_or_dots_mean_unclassified(tmp_path, reference_countries):
    path = tmp_path / "class.csv"
    path.write_bytes(csv_bytes([HEADER, ["Nigeria", "NGA", "Sub-Saharan Africa", "..", "Blend"],
                                ["Ghana", "GHA", "Sub-Saharan Africa", "", "IDA"]]))
    lines = update(path, "--fiscal-year", "2026")
    assert lines[:2] == ["Ghana (GHA): Lower-middle income → unclassified",
                         "Nigeria (NGA): Lower-middle income → unclassified"]
    assert groups("NG", "GH") == {"NG": "", "GH": ""}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["Email", "Given name", "Family name", "Country"], ["a@b.test", "Ama", "Mensah", "GH"]],
         "This is not the World Bank's list of economies (CLASS.xlsx, sheet “List of economies”): the columns "
         "“Economy”, “Code”, “Income group” are missing (found: Email, Given name, Family name, Country)."),
        ([["Economy", "Code", "Region", "Lending category"], ["Nigeria", "NGA", "Sub-Saharan Africa", "Blend"]],
         "the column “Income group” is missing"),
        ([HEADER, ["Nigeria", "NGA", "Sub-Saharan Africa", "Low income", "Blend"],
          ["Ghana", "GHA", "Sub-Saharan Africa", "Middle income", "IDA"]],
         "Row 3: “Middle income” is not an income group the World Bank writes"),
        ([HEADER, ["Nigeria", "NGA", "", "Low income", ""], ["Nigeria", "NGA", "", "Lower middle income", ""]],
         "Row 3: NGA is also on row 2."),
        ([HEADER, ["World", "WLD", "", "", ""]], "The file lists no country by its ISO alpha-3 code"),
    ],
    ids=["a trainee list", "no income group", "an unknown group", "a country twice", "aggregates only"],
)
def test_a_file_that_is_not_the_classification_is_refused_and_nothing_changes(tmp_path, reference_countries,
                                                                              rows, message):
    before = dict(Country.objects.values_list("code", "income_group"))
    path = class_xlsx(tmp_path / "CLASS.xlsx", rows)

    with pytest.raises(CommandError) as error:
        update(path, "--fiscal-year", "2027")

    assert message in str(error.value)
    assert str(error.value).endswith("Nothing was written.")
    assert error.value.returncode == 1
    assert dict(Country.objects.values_list("code", "income_group")) == before
    assert not AuditEntry.objects.exists()
    assert IncomeClassification.objects.latest().fiscal_year == 2026


def test_an_older_fiscal_year_than_the_one_in_force_is_refused(class_file):
    with pytest.raises(CommandError, match=r"FY2024 is older than the classification in force \(FY2026\)"):
        update(class_file, "--fiscal-year", "2024")
    assert groups("NG") == {"NG": "lower_middle"}


def test_a_file_that_cannot_be_read_is_refused(tmp_path, reference_countries):
    path = tmp_path / "CLASS.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)  # an Excel 97-2003 workbook
    with pytest.raises(CommandError, match="old Excel .xls") as error:
        update(path)
    assert error.value.returncode == 2


@pytest.mark.parametrize(("today", "year"), [(dt.date(2025, 6, 30), 2025), (dt.date(2025, 7, 1), 2026),
                                             (dt.date(2026, 1, 15), 2026)])
def test_the_default_fiscal_year_is_the_world_banks_in_force_that_day(today, year):
    assert fiscal_year_in_force(today) == year
