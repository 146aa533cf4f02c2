"""Staff export trainees as CSV or XLSX: every column, names in any script, nothing a sheet would run."""

import pytest
from django.contrib.auth import get_user_model

from hubportal.exports import SafeCSV, SafeXLSX
from hubportal.tabular import read_table
from trainees.imports import trainees_import
from trainees.models import Trainee, TraineeCategory
from trainees.resources import TraineeExportResource

from ..hubportal.test_exports import exported_csv_rows, exported_xlsx_sheet
from .factories import CountryFactory, OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db

HEADERS = ["Email", "Given name", "Family name", "Native name", "Country code", "Country name", "WHO region",
           "Organisation", "Job title", "Category", "Phone", "Login"]


def korea():
    return CountryFactory(code="KR")


def csv_records(queryset=None) -> list[dict[str, str]]:
    header, *rows = exported_csv_rows(SafeCSV().export_data(TraineeExportResource(actor=None).export(queryset)))
    assert header == HEADERS
    return [dict(zip(header, row)) for row in rows]


def test_each_trainee_is_a_row_with_every_column():
    login = get_user_model().objects.create_user(email="minjun@skbio.test", password="x")
    TraineeFactory(email="minjun@skbio.test", given_name="Min-jun", family_name="Kim", native_name="김민준",
                   country=korea(), organisation__name="SK bioscience", job_title="Process Engineer",
                   category=TraineeCategory.KOREA_INDUSTRY, phone="010 1234 5678", user=login)
    TraineeFactory(email="ama@fda.gov.gh", given_name="Ama", family_name="Mensah", organisation=None,
                   job_title="", category=TraineeCategory.LMIC_GOVERNMENT)

    assert csv_records() == [
        {"Email": "minjun@skbio.test", "Given name": "Min-jun", "Family name": "Kim", "Native name": "김민준",
         "Country code": "KR", "Country name": "South Korea", "WHO region": "WPR",
         "Organisation": "SK bioscience", "Job title": "Process Engineer", "Category": "Korean industry staff",
         "Phone": "010 1234 5678", "Login": "yes"},
        {"Email": "ama@fda.gov.gh", "Given name": "Ama", "Family name": "Mensah", "Native name": "",
         "Country code": "GH", "Country name": "Ghana", "WHO region": "AFR", "Organisation": "",
         "Job title": "", "Category": "LMIC government or public-institution staff", "Phone": "", "Login": "no"},
    ]


def test_a_name_written_as_a_formula_is_exported_as_text():
    TraineeFactory(given_name='=HYPERLINK("http://x")', family_name="@SUM(A1)", job_title="-2+3",
                   phone="+49 30 1234", organisation__name="=cmd|' /C calc'!A0")

    [record] = csv_records()
    assert (record["Given name"], record["Family name"], record["Job title"], record["Phone"],
            record["Organisation"]) == ("'=HYPERLINK(\"http://x\")", "'@SUM(A1)", "'-2+3", "'+49 30 1234",
                                        "'=cmd|' /C calc'!A0")

    sheet = exported_xlsx_sheet(SafeXLSX().export_data(TraineeExportResource(actor=None).export()))
    row = {header.value: cell for header, cell in zip(sheet[1], sheet[2])}
    assert (row["Given name"].data_type, row["Given name"].value) == ("s", "'=HYPERLINK(\"http://x\")")
    assert (row["Organisation"].data_type, row["Organisation"].value) == ("s", "'=cmd|' /C calc'!A0")
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_names_in_hangul_and_arabic_come_out_intact_in_both_formats():
    TraineeFactory(family_name="Kim", native_name="김민준", country=korea())
    TraineeFactory(family_name="Said", native_name="أمينة سعيد")

    assert [r["Native name"] for r in csv_records()] == ["김민준", "أمينة سعيد"]
    sheet = exported_xlsx_sheet(SafeXLSX().export_data(TraineeExportResource(actor=None).export()))
    assert [row[3].value for row in sheet.iter_rows(min_row=2)] == ["김민준", "أمينة سعيد"]


@pytest.mark.parametrize("export_format", [SafeCSV, SafeXLSX])
def test_an_exported_file_imports_back_without_changes(export_format):
    TraineeFactory(email="minjun@skbio.test", given_name="Min-jun", family_name="Kim", native_name="김민준",
                   country=korea(), category=TraineeCategory.KOREA_INDUSTRY, phone="010 1234 5678")
    TraineeFactory(email="ama@fda.gov.gh", organisation=None)
    data = export_format().export_data(TraineeExportResource(actor=None).export())

    report = trainees_import(actor=None, table=read_table(data, filename=f"t.{export_format().get_extension()}"),
                             dry_run=True)

    assert report.ok, [str(p) for p in report.problems]
    assert report.summary() == "created 0, updated 0, unchanged 2, errors 0"


@pytest.mark.parametrize("from_admin", [False, True], ids=["resource queryset", "admin change list queryset"])
def test_exporting_more_trainees_takes_no_more_queries(assert_flat_queries, from_admin):
    def make(count):
        # Two countries, trainees with and without an organisation or a login.
        kr, gh = korea(), CountryFactory()
        for i in range(count):
            country = kr if i % 2 else gh
            TraineeFactory(country=country, organisation=OrganisationFactory(country=country) if i % 3 else None,
                           user=get_user_model().objects.create_user(email=f"login{i}-{count}@hub.test")
                           if i % 4 == 0 else None)

    def export():
        # The admin hands over its change list's queryset, without the resource's joins.
        return TraineeExportResource(actor=None).export(Trainee.objects.all() if from_admin else None)

    make(3)
    few, many = assert_flat_queries(export, lambda: make(27))
    assert len(few) == 3
    assert len(many) == 30
