"""Coordinators' trainee import: files as they come, every problem named, all of a file or none."""

import pytest

from hubportal.audit.models import AuditEntry
from hubportal.tabular import read_table
from trainees.imports import trainees_import
from trainees.models import Country, Organisation, Trainee, TraineeCategory

from ..importfiles import csv_bytes, table, xlsx_bytes
from .factories import OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db

HEADER = ["Given name", "Family name", "Email", "Country", "Organisation", "Job title"]


@pytest.fixture(autouse=True)
def countries(reference_countries):
    return reference_countries


def run(rows, *, dry_run=False, actor=None, **kwargs):
    return trainees_import(actor=actor, table=table(rows, **kwargs), dry_run=dry_run, file_name="list.csv")


def test_a_clean_file_creates_trainees_and_their_new_organisations(hub_staff):
    report = run([HEADER,
                  ["Ama", "Mensah", "ama@fda.gov.gh", "GH", "Food and Drugs Authority", "GMP Inspector"],
                  ["Min-jun", "Kim", "minjun@skbio.test", "KR", "SK bioscience", "Process Engineer"]],
                 actor=hub_staff)

    assert report.ok and report.summary() == "created 2, updated 0, unchanged 0, errors 0"
    ama = Trainee.objects.get(email="ama@fda.gov.gh")
    assert (ama.country.code, ama.organisation.name, ama.job_title) == ("GH", "Food and Drugs Authority",
                                                                          "GMP Inspector")
    assert Trainee.objects.get(email="minjun@skbio.test").category == TraineeCategory.KOREA_INDUSTRY
    assert Organisation.objects.count() == 2
    entry = AuditEntry.objects.get(action="trainees.import")
    assert entry.actor == hub_staff and entry.data["created"] == 2 and entry.data["file"] == "list.csv"


def test_reimporting_the_same_file_changes_nothing_and_a_changed_cell_updates_that_trainee():
    rows = [HEADER, ["Abebe", "Bekele", "abebe@efda.test", "ET", "EFDA", "Regulatory Officer"],
            ["Hana", "Tesfaye", "hana@efda.test", "ET", "EFDA", "QC Analyst"]]
    run(rows)
    before = list(Trainee.objects.order_by("pk").values())

    again = run(rows)
    assert again.summary() == "created 0, updated 0, unchanged 2, errors 0"
    assert list(Trainee.objects.order_by("pk").values()) == before

    rows[2][5] = "QC Manager"
    rows[1][2] = "  ABEBE@EFDA.test "  # the same trainee: email ignores case and surrounding spaces
    changed = run(rows)
    assert changed.summary() == "created 0, updated 1, unchanged 1, errors 0"
    assert Trainee.objects.get(email="hana@efda.test").job_title == "QC Manager"
    assert Trainee.objects.count() == 2


def test_a_blank_cell_leaves_the_field_as_it_was():
    run([HEADER, ["Ama", "Mensah", "ama@fda.test", "GH", "FDA Ghana", "GMP Inspector"]])
    report = run([HEADER, ["Ama", "Mensah", "ama@fda.test", "GH", "", ""]])
    assert report.unchanged == 1
    assert Trainee.objects.get().job_title == "GMP Inspector"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        (["E-mail", "First name", "Surname", "Country code"], None),
        (["Email address", "Given name", "Last name", "Nationality"], None),
        (["EMAIL", "given_name", "family name", "COUNTRY"], None),
        (["이메일", "이름", "성", "국가"], None),
    ],
)
def test_header_spellings_are_matched_ignoring_case_spaces_and_punctuation(header, field):
    report = run([header + ["Organization", "Position"], ["x@y.test", "Ji-ho", "Park", "KR", "GC Biopharma", "QA"]])
    assert report.ok, [str(p) for p in report.problems]
    trainee = Trainee.objects.get()
    assert (trainee.given_name, trainee.family_name, trainee.organisation.name, trainee.job_title) == (
        "Ji-ho", "Park", "GC Biopharma", "QA")


def test_korean_coordinators_headers_and_cp949_file():
    rows = [["성", "이름", "이메일", "국가", "소속기관", "직위", "한글 이름"],
            ["Kim", "Min-jun", "minjun@gc.test", "대한민국", "GC녹십자", "연구원", "김민준"]]
    report = trainees_import(actor=None, table=read_table(csv_bytes(rows, encoding="cp949")), dry_run=False)
    assert report.ok, [str(p) for p in report.problems]
    trainee = Trainee.objects.get()
    assert (trainee.native_name, trainee.organisation.name, trainee.job_title) == ("김민준", "GC녹십자", "연구원")


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("KR", "KR"), ("KOR", "KR"), ("Korea, Republic of", "KR"), ("South Korea", "KR"), ("Republic of Korea", "KR"),
     ("korea (republic of)", "KR"), ("Viet Nam", "VN"), ("VNM", "VN"), ("Vietnam", "VN"),
     ("Tanzania, United Republic of", "TZ"), ("United Republic of Tanzania", "TZ"), ("Egypt", "EG"),
     ("ETH", "ET"), ("ghana", "GH")],
)
def test_countries_are_recognised_by_code_name_and_common_variants(spelling, code):
    report = run([HEADER, ["A", "B", "a@b.test", spelling, "", ""]])
    assert report.ok, [str(p) for p in report.problems]
    assert Trainee.objects.get().country.code == code


def test_every_bad_row_is_reported_with_its_row_column_and_reason_and_nothing_is_written():
    TraineeFactory(email="already@there.test", country=Country.objects.get(code="GH"))
    rows = [HEADER,
            ["Ok", "Row", "ok@fine.test", "GH", "", ""],                 # row 2
            ["No", "Email", "", "GH", "", ""],                          # row 3
            ["Bad", "Email", "not-an-email", "GH", "", ""],             # row 4
            ["Lost", "Country", "lost@x.test", "Atlantis", "", ""],     # row 5
            ["Twice", "One", "twice@x.test", "GH", "", ""],             # row 6
            ["Twice", "Two", "TWICE@x.test", "GH", "", ""],             # row 7
            ["New", "Country", "la@x.test", "Laos", "", ""],            # row 8: valid, no trainee from Laos yet
            ["", "Nameless", "nameless@x.test", "GH", "", ""]]          # row 9
    before = Trainee.objects.count()

    report = run(rows)

    problems = [(p.row, p.column, p.message) for p in report.problems]
    assert (3, "Email", "is empty.") in problems
    assert (4, "Email", "“not-an-email” is not a valid email address.") in problems
    assert any(row == 5 and column == "Country" and "Atlantis" in message for row, column, message in problems)
    assert (7, "Email", "twice@x.test is also on row 6; each trainee once per file.") in problems
    assert not any(row == 8 for row, _c, _m in problems)
    assert (9, "Given name", "is empty.") in problems
    assert not any(row == 2 for row, _c, _m in problems)
    assert report.summary().endswith(f"errors {len(problems)}")
    assert Trainee.objects.count() == before
    assert not Organisation.objects.filter(trainees__email="ok@fine.test").exists()


def test_one_bad_row_among_many_leaves_the_database_unchanged():
    rows = [HEADER] + [[f"Given{i}", "Family", f"t{i}@bulk.test", "GH", f"Org {i % 7}", "Analyst"] for i in range(300)]
    rows[250][3] = "Narnia"
    report = run(rows)
    assert [(p.row, p.column) for p in report.problems] == [(251, "Country")]
    assert Trainee.objects.count() == 0 and Organisation.objects.count() == 0
    assert not AuditEntry.objects.exists()


def test_a_missing_required_column_is_reported_once_before_any_row():
    report = run([["Given name", "Family name", "Country"], ["A", "B", "GH"], ["C", "D", "GH"]])
    assert [(p.row, p.message.split(" (")[0]) for p in report.problems] == [
        (1, "the required column “Email” is missing")]


def test_dry_run_reports_what_would_happen_and_writes_nothing():
    TraineeFactory(email="known@x.test", given_name="Known", family_name="One", job_title="Old",
                   country=Country.objects.get(code="GH"))
    report = run([HEADER, ["New", "One", "new@x.test", "GH", "New Org", ""],
                  ["Known", "One", "known@x.test", "GH", "", "New title"]], dry_run=True)
    assert report.summary() == "created 1, updated 1, unchanged 0, errors 0"
    assert report.outcomes[1].changes == {"job_title": ("Old", "New title")}
    assert Trainee.objects.count() == 1 and Trainee.objects.get().job_title == "Old"
    assert not Organisation.objects.filter(name="New Org").exists()


def test_an_existing_organisation_is_reused_ignoring_case():
    organisation = OrganisationFactory(name="Food and Drugs Authority", country=Country.objects.get(code="GH"))
    run([HEADER, ["A", "B", "a@b.test", "GH", "FOOD AND DRUGS AUTHORITY", ""]])
    assert Trainee.objects.get().organisation == organisation
    assert Organisation.objects.count() == 1


def test_xlsx_files_import_like_csv():
    report = trainees_import(actor=None, table=read_table(xlsx_bytes([HEADER, ["Lan", "Nguyen", "lan@ivac.test",
                                                                                 "Viet Nam", "IVAC", "QC"]])),
                             dry_run=False)
    assert report.ok
    assert Trainee.objects.get().country.code == "VN"


def test_the_number_of_queries_does_not_grow_with_the_rows(assert_flat_queries):
    def rows(n, start):
        return [HEADER] + [[f"G{i}", "F", f"q{i}@x.test", "GH", f"Org {start} {i % 5}", "T"]
                           for i in range(start, start + n)]

    file = {"rows": rows(5, 0)}  # the file to import: 5 rows, then 400 others
    assert_flat_queries(lambda: run(file["rows"]), lambda: file.update(rows=rows(400, 1000)))
    assert Trainee.objects.count() == 405


@pytest.mark.parametrize(
    ("spelling", "field", "value"),
    [("E-mail", "email", "s@x.test"), ("Email address", "email", "s@x.test"), ("이메일", "email", "s@x.test"),
     ("Given name", "given_name", "Seo-yeon"), ("First name", "given_name", "Seo-yeon"), ("이름", "given_name", "Seo-yeon"),
     ("Surname", "family_name", "Lim"), ("Family name", "family_name", "Lim"), ("성", "family_name", "Lim"),
     ("Organisation", "organisation", "EuBiologics"), ("Organization", "organisation", "EuBiologics"),
     ("Institution", "organisation", "EuBiologics"), ("소속기관", "organisation", "EuBiologics"),
     ("Position", "job_title", "QA Manager"), ("Job title", "job_title", "QA Manager"), ("직위", "job_title", "QA Manager"),
     ("Country code", "country", "KR"), ("국가", "country", "KR"), ("Country", "country", "KR")],
)
def test_each_usual_header_spelling_reaches_its_field(spelling, field, value):
    defaults = {"email": ("Email", "s@x.test"), "given_name": ("Given name", "Seo-yeon"),
                "family_name": ("Family name", "Lim"), "country": ("Country", "KR"),
                "organisation": ("Organisation", "EuBiologics"), "job_title": ("Job title", "QA Manager")}
    defaults[field] = (spelling, value)
    header, row = zip(*defaults.values())
    report = run([list(header), list(row)])
    assert report.ok, [str(p) for p in report.problems]
    trainee = Trainee.objects.get()
    assert (trainee.email, trainee.given_name, trainee.family_name, str(trainee.country.code),
            trainee.organisation.name, trainee.job_title) == ("s@x.test", "Seo-yeon", "Lim", "KR", "EuBiologics",
                                                              "QA Manager")


def test_a_country_no_trainee_came_from_yet_is_accepted_and_named_in_the_summary():
    TraineeFactory(email="ama@fda.gov.gh", country=Country.objects.get(code="GH"))
    rows = [HEADER, ["Kofi", "Boateng", "kofi@fda.gov.gh", "GH", "", ""],
            ["Chinedu", "Okafor", "chinedu@nafdac.test", "Nigeria", "NAFDAC", ""],
            ["Souk", "Phommachanh", "souk@fdd.test", "LAO", "", ""]]

    preview = run(rows, dry_run=True)
    report = run(rows)

    assert preview.notes[0] == report.notes[0] == "Countries new to the hub: Laos (LA), Nigeria (NG)."
    assert report.ok and report.created == 3
    assert not any(note.startswith("Countries new") for note in run(rows).notes)  # now they have trainees


def test_the_new_countries_are_named_in_the_users_language():
    from django.utils import translation

    with translation.override("ko"):
        report = run([HEADER, ["Chinedu", "Okafor", "chinedu@nafdac.test", "NG", "", ""]], dry_run=True)
    assert "나이지리아 (NG)" in report.notes[0]


def test_text_that_is_no_country_is_refused_with_a_hint():
    report = run([HEADER, ["A", "B", "a@b.test", "Wakanda", "", ""]])
    assert [str(p) for p in report.problems] == [
        "Row 2, Country: “Wakanda” is not a country we recognise (use an ISO code such as KR or KOR, or the "
        "English name)."]
