"""A database holding only what `migrate` loads takes nominations from any country: no demo seed needed."""

import unicodedata

import pytest
from django.core.management import call_command

from trainees.models import Country, Organisation, Trainee, TraineeCategory
from trainees.reference import read_countries_csv

from ..importfiles import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def test_nigerian_trainees_import_with_no_seed_and_nigeria_is_named_new_to_the_hub(reference_countries, tmp_path,
                                                                                    capsys):
    assert not Trainee.objects.exists() and not Organisation.objects.exists()
    path = tmp_path / "nigeria.csv"
    path.write_bytes(csv_bytes([
        ["Given name", "Family name", "Email", "Country", "Organisation", "Job title"],
        ["Chinedu", "Okafor", "chinedu.okafor@nafdac.test", "NG", "NAFDAC", "Regulatory Officer"],
        ["Ngozi", "Adeyemi", "ngozi.adeyemi@biovaccines.test", "Nigeria", "Biovaccines Nigeria", "QC Analyst"],
    ]))

    call_command("import_trainees", str(path))  # exits 1 (SystemExit) on any problem

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Countries new to the hub: Nigeria (NG)."
    assert out[-1] == "created 2, updated 0, unchanged 0, errors 0"
    assert set(Trainee.objects.values_list("country__code", "category")) == {("NG", TraineeCategory.LMIC_PRODUCTION)}
    assert Country.objects.count() == len(read_countries_csv().rows)  # the import adds no country


# One nomination list as coordinators send it, in each shape the commands read; the countries in the
# spellings nomination lists use, none of them among the 26 countries of 2022.
ENGLISH = ["E-mail", "First name", "Surname", "Nationality", "Institution", "Position"]
KOREAN = ["이메일", "이름", "성", "국가", "소속기관", "직위"]
PEOPLE = [
    ["awa.kone@lnsp.test", "Awa", "Koné", "Côte d'Ivoire", "LNSP", "Pharmacienne"],
    ["linh.nguyen@ivac.test", "Linh", "Nguyễn", "Viet Nam", "IVAC", "QA Officer"],
    ["chinedu@nafdac.test", "Chinedu", "Okafor", "NGA", "NAFDAC", "Inspector"],
    ["ana.quispe@ins.test", "Ana", "Quispe", "Bolivia, Plurinational State of", "INLASA", "Bióloga"],
    ["somphone@fdd.test", "Somphone", "Vongsa", "Lao PDR", "Food and Drug Department", "Pharmacist"],
    ["jiwoo.park@eubiologics.test", "Jiwoo", "Park", "대한민국", "유바이오로직스", "연구원"],
]
EXPECTED = {"CI", "VN", "NG", "BO", "LA", "KR"}


def without_accents(rows):
    """What Korean Excel can save (CP949 has Hangul, not Vietnamese or French accents)."""
    def plain(text):
        decomposed = unicodedata.normalize("NFKD", text)
        return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return [[plain(cell) for cell in row] for row in rows]


@pytest.mark.parametrize(("name", "make"), [
    ("utf8.csv", lambda: csv_bytes([ENGLISH, *PEOPLE])),
    ("utf8-bom-semicolons.csv", lambda: csv_bytes([ENGLISH, *PEOPLE], bom=True, delimiter=";")),
    ("korean-excel.csv", lambda: csv_bytes([KOREAN, *without_accents(PEOPLE)], encoding="cp949")),
    ("workbook.xlsx", lambda: xlsx_bytes([KOREAN, *PEOPLE])),
])
def test_the_whole_import_path_works_on_a_database_holding_only_migrations(reference_countries, tmp_path, capsys,
                                                                           name, make):
    from cohorts.models import Enrolment, EnrolmentStatus

    from ..cohorts.factories import CourseSessionFactory

    path = tmp_path / name
    path.write_bytes(make())
    call_command("import_trainees", str(path))
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "created 6, updated 0, unchanged 0, errors 0"
    assert set(Trainee.objects.values_list("country__code", flat=True)) == EXPECTED
    assert Trainee.objects.get(email="jiwoo.park@eubiologics.test").category == TraineeCategory.KOREA_INDUSTRY
    assert Trainee.objects.get(email="linh.nguyen@ivac.test").family_name == (
        "Nguyen" if name == "korean-excel.csv" else "Nguyễn")
    assert Trainee.objects.get(email="jiwoo.park@eubiologics.test").organisation.name == "유바이오로직스"
    new = out[0]
    assert new.startswith("Countries new to the hub: ") and "Nigeria (NG)" in new and "Laos (LA)" in new

    session = CourseSessionFactory(code="BDM-2027-07")
    selected = tmp_path / "selected.csv"
    selected.write_bytes(csv_bytes([["Email", "Status"], *[[row[0], "selected"] for row in PEOPLE]]))
    call_command("import_enrolments", str(selected), "--session", session.code)
    assert capsys.readouterr().out.splitlines()[-1] == "created 6, updated 0, unchanged 0, errors 0"
    assert Enrolment.objects.filter(session=session, status=EnrolmentStatus.SELECTED).count() == 6
