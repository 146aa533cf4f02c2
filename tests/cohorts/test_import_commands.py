"""import_trainees, import_enrolments and import_attendance: exit status and output a script can use."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cohorts.models import Enrolment
from trainees.models import Trainee

from ..importfiles import csv_bytes, xlsx_bytes
from ..trainees.factories import CountryFactory, TraineeFactory
from .factories import CourseSessionFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db

ROWS = [["Given name", "Family name", "Email", "Country"], ["Ama", "Mensah", "ama@fda.test", "GH"],
        ["Kofi", "Boateng", "kofi@fda.test", "Ghana"]]


def run(capsys, *args):
    try:
        call_command(*args)
        status = 0
    except SystemExit as exit_:
        status = exit_.code
    out = capsys.readouterr().out.strip().splitlines()
    return status, out


@pytest.fixture(autouse=True)
def ghana(db):
    return CountryFactory()


def test_a_good_file_exits_0_and_ends_with_the_summary(tmp_path, capsys):
    path = tmp_path / "nominations.csv"
    path.write_bytes(csv_bytes(ROWS, encoding="cp1252", delimiter=";"))
    status, out = run(capsys, "import_trainees", str(path))
    assert status == 0
    assert out[-1] == "created 2, updated 0, unchanged 0, errors 0"
    assert Trainee.objects.count() == 2

    status, out = run(capsys, "import_trainees", str(path))
    assert (status, out[-1]) == (0, "created 0, updated 0, unchanged 2, errors 0")


def test_dry_run_exits_0_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "nominations.xlsx"
    path.write_bytes(xlsx_bytes(ROWS))
    status, out = run(capsys, "import_trainees", str(path), "--dry-run")
    assert status == 0
    assert out[-2:] == ["Dry run: nothing was written.", "created 2, updated 0, unchanged 0, errors 0"]
    assert not Trainee.objects.exists()


def test_invalid_rows_exit_1_with_one_problem_a_line(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes(ROWS + [["X", "Y", "not-an-email", "Narnia"]]))
    status, out = run(capsys, "import_trainees", str(path))
    assert status == 1
    assert out[0] == "Row 4, Email: “not-an-email” is not a valid email address."
    assert out[1].startswith("Row 4, Country: “Narnia” is not a country")
    assert out[-1] == "created 0, updated 0, unchanged 0, errors 2"  # nothing was written
    assert not Trainee.objects.exists()


@pytest.mark.parametrize("content", [b"", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64])
def test_an_unreadable_file_exits_2(tmp_path, capsys, content):
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    status, out = run(capsys, "import_trainees", str(path))
    assert status == 2
    assert out[0].startswith("list.csv: ")
    assert out[-1] == "created 0, updated 0, unchanged 0, errors 1"


def test_a_missing_file_exits_2(tmp_path, capsys):
    status, out = run(capsys, "import_trainees", str(tmp_path / "nope.csv"))
    assert status == 2 and "Cannot open" in out[0]


def test_import_trainees_with_a_session_nominates_them(tmp_path, capsys):
    session = CourseSessionFactory(code="GXP-2022-10")
    path = tmp_path / "gxp.csv"
    path.write_bytes(csv_bytes(ROWS))
    status, out = run(capsys, "import_trainees", str(path), "--session", "GXP-2022-10")
    assert status == 0 and "2 nominated for GXP-2022-10." in out
    assert Enrolment.objects.filter(session=session).count() == 2


def test_an_unknown_session_code_is_refused_with_the_known_codes(tmp_path):
    CourseSessionFactory(code="BDM-2022-07")
    path = tmp_path / "x.csv"
    path.write_bytes(csv_bytes(ROWS))
    with pytest.raises(CommandError, match="No session has the code 'NOPE'.*BDM-2022-07"):
        call_command("import_enrolments", str(path), "--session", "NOPE")


def test_import_enrolments_and_attendance_commands(tmp_path, capsys):
    session = CourseSessionFactory(code="BDM-2022-07")
    TimetableSlotFactory(session=session, date=session.start_date)
    TraineeFactory(email="ama@fda.test")
    enrolments = tmp_path / "enrolments.csv"
    enrolments.write_bytes(csv_bytes([["Email", "Status"], ["ama@fda.test", "confirmed"]], delimiter="\t"))
    status, out = run(capsys, "import_enrolments", str(enrolments), "--session", "BDM-2022-07")
    assert (status, out[-1]) == (0, "created 1, updated 0, unchanged 0, errors 0")

    sheet = tmp_path / "day1.csv"
    sheet.write_bytes(csv_bytes([["이메일", "날짜", "출결"], ["ama@fda.test", "2022-07-18", "출석"]], encoding="cp949"))
    status, out = run(capsys, "import_attendance", str(sheet), "--session", "BDM-2022-07")
    assert (status, out[-1]) == (0, "created 1, updated 0, unchanged 0, errors 0")


@pytest.mark.parametrize("command, header", [
    ("import_trainees", ROWS[0]),
    ("import_enrolments", ["Email", "Status"]),
    ("import_attendance", ["Email", "Date", "Status"]),
])
@pytest.mark.parametrize("make", [csv_bytes, xlsx_bytes], ids=["csv", "xlsx"])
def test_a_file_with_a_header_and_no_data_rows_is_an_error_and_writes_nothing(tmp_path, capsys, command, header, make):
    from hubportal.audit.models import AuditEntry

    session = CourseSessionFactory(code="BDM-2022-07")
    path = tmp_path / "empty.csv"
    path.write_bytes(make([header]))
    args = [command, str(path)] if command == "import_trainees" else [command, str(path), "--session", session.code]
    status, out = run(capsys, *args)
    assert status == 1
    assert out == ["Row 1: no data rows: the file has a header row and nothing under it.", "Nothing was written.",
                   "created 0, updated 0, unchanged 0, errors 1"]
    assert not AuditEntry.objects.filter(action__endswith="import").exists()
