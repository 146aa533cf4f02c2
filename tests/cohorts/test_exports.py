"""Staff export enrolments (with attendance rates) and attendance records as CSV or XLSX."""

import datetime as dt

import pytest
from django.utils import timezone

from cohorts.imports import ATTENDANCE_COLUMNS, ENROLMENT_COLUMNS
from cohorts.models import AttendanceRecord, AttendanceStatus, Enrolment, EnrolmentStatus, NominatingBody
from cohorts.resources import AttendanceExportResource, EnrolmentExportResource
from hubportal.exports import SafeCSV, SafeXLSX
from hubportal.importing import match_columns
from tests.trainees.factories import CountryFactory

from ..hubportal.test_exports import exported_csv_rows, exported_xlsx_sheet
from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db

ENROLMENT_HEADERS = ["Session", "Course", "Email", "Given name", "Family name", "Country code", "Status",
                     "Nominated by", "Nominating body", "Status changed at", "Attendance rate (%)"]
ATTENDANCE_HEADERS = ["Session", "Email", "Trainee", "Country code", "Date", "Start time", "Slot", "Kind",
                      "Attendance", "Marked by", "Marked at"]
MARKED_AT = timezone.make_aware(dt.datetime(2022, 7, 18, 18, 5, 30))  # the hub's time zone, Asia/Seoul


def mark(enrolment, status, *, slot=None, visit=None, by=None):
    return AttendanceRecord.objects.create(enrolment=enrolment, slot=slot, visit=visit, status=status,
                                           marked_by=by, marked_at=MARKED_AT)


def csv_records(resource, headers, queryset=None) -> list[dict[str, str]]:
    header, *rows = exported_csv_rows(SafeCSV().export_data(resource.export(queryset)))
    assert header == headers
    return [dict(zip(header, row)) for row in rows]


def korea():
    return CountryFactory(code="KR")


@pytest.fixture
def session():
    return CourseSessionFactory(code="BDM-2022-07")


# --- Enrolments ---------------------------------------------------------------------------------


def test_an_enrolment_row_has_its_session_trainee_status_and_attendance_rate(session):
    enrolment = EnrolmentFactory(
        session=session, status=EnrolmentStatus.CONFIRMED, nominated_by=NominatingBody.NATIONAL_AUTHORITY,
        nominating_body_name="Ministry of Food and Drug Safety", status_changed_at=MARKED_AT,
        trainee__email="ama@fda.gov.gh", trainee__given_name="Ama", trainee__family_name="Mensah",
    )
    slots = TimetableSlotFactory.create_batch(5, session=session)
    for slot, status in zip(slots, [AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT,
                                    AttendanceStatus.EXCUSED, AttendanceStatus.PRESENT]):
        mark(enrolment, status, slot=slot)

    assert csv_records(EnrolmentExportResource(actor=None), ENROLMENT_HEADERS) == [{
        "Session": "BDM-2022-07", "Course": session.course.title, "Email": "ama@fda.gov.gh", "Given name": "Ama",
        "Family name": "Mensah", "Country code": "GH", "Status": "Confirmed", "Nominated by": "National authority",
        "Nominating body": "Ministry of Food and Drug Safety", "Status changed at": "2022-07-18T18:05:30+09:00",
        # 3 of the 4 marked slots that count (the excused one does not)
        "Attendance rate (%)": "75.0",
    }]


def test_the_rate_has_one_decimal_is_a_number_in_xlsx_and_is_empty_while_nothing_is_marked(session):
    marked = EnrolmentFactory(session=session, trainee__family_name="Addo")
    EnrolmentFactory(session=session, trainee__family_name="Boateng")
    for slot, status in zip(TimetableSlotFactory.create_batch(3, session=session),
                            [AttendanceStatus.PRESENT, AttendanceStatus.PRESENT, AttendanceStatus.ABSENT]):
        mark(marked, status, slot=slot)

    assert [r["Attendance rate (%)"] for r in csv_records(EnrolmentExportResource(actor=None), ENROLMENT_HEADERS)] == [
        "66.7", ""]
    sheet = exported_xlsx_sheet(SafeXLSX().export_data(EnrolmentExportResource(actor=None).export()))
    rate = ENROLMENT_HEADERS.index("Attendance rate (%)")
    first, second = (row[rate] for row in sheet.iter_rows(min_row=2))
    assert (first.data_type, first.value) == ("n", 66.7)
    assert second.value is None


def test_a_queryset_without_the_rate_still_exports_the_rate(session):
    # A change list (or any caller) may hand over a plain queryset: the selector's rate is added.
    enrolment = EnrolmentFactory(session=session)
    mark(enrolment, AttendanceStatus.PRESENT, slot=TimetableSlotFactory(session=session))
    EnrolmentFactory()  # another session, left out by the filter

    records = csv_records(EnrolmentExportResource(actor=None), ENROLMENT_HEADERS, Enrolment.objects.filter(session=session))
    assert [(r["Email"], r["Attendance rate (%)"]) for r in records] == [(enrolment.trainee.email, "100.0")]


def test_enrolment_cells_written_as_formulas_are_exported_as_text_and_hangul_is_intact(session):
    EnrolmentFactory(session=session, nominating_body_name="=cmd|' /C calc'!A0", trainee__given_name="+Min",
                     trainee__family_name="Addo")
    EnrolmentFactory(session=session, nominating_body_name="식품의약품안전처", trainee__given_name="Min-jun",
                     trainee__family_name="Kim", trainee__country=korea())

    records = csv_records(EnrolmentExportResource(actor=None), ENROLMENT_HEADERS)
    assert [(r["Given name"], r["Nominating body"]) for r in records] == [
        ("'+Min", "'=cmd|' /C calc'!A0"), ("Min-jun", "식품의약품안전처")]

    sheet = exported_xlsx_sheet(SafeXLSX().export_data(EnrolmentExportResource(actor=None).export()))
    body = ENROLMENT_HEADERS.index("Nominating body")
    first, second = (row[body] for row in sheet.iter_rows(min_row=2))
    assert (first.data_type, first.value) == ("s", "'=cmd|' /C calc'!A0")
    assert second.value == "식품의약품안전처"


def test_the_enrolment_importer_reads_the_exported_columns():
    positions, problems = match_columns(ENROLMENT_HEADERS, ENROLMENT_COLUMNS)
    assert not problems
    assert {f: ENROLMENT_HEADERS[i] for f, i in positions.items()} == {
        "email": "Email", "status": "Status", "nominated_by": "Nominated by",
        "nominating_body_name": "Nominating body"}


@pytest.mark.parametrize("from_admin", [False, True], ids=["enrolment_list", "plain queryset"])
def test_exporting_more_enrolments_takes_no_more_queries(session, assert_flat_queries, from_admin):
    slots = TimetableSlotFactory.create_batch(2, session=session)

    def make(count):
        for i in range(count):
            enrolment = EnrolmentFactory(session=session if i % 2 else CourseSessionFactory(),
                                         trainee__country=korea() if i % 3 else CountryFactory())
            if enrolment.session == session:
                for slot in slots:
                    mark(enrolment, AttendanceStatus.PRESENT, slot=slot)

    def export():
        return EnrolmentExportResource(actor=None).export(Enrolment.objects.all() if from_admin else None)

    make(3)
    few, many = assert_flat_queries(export, lambda: make(27))
    assert len(few) == 3
    assert len(many) == 30


# --- Attendance ---------------------------------------------------------------------------------


def test_attendance_rows_name_the_slot_or_visit_and_who_marked_them(session, coordinator):
    enrolment = EnrolmentFactory(session=session, status=EnrolmentStatus.CONFIRMED,
                                 trainee__email="ama@fda.gov.gh", trainee__given_name="Ama",
                                 trainee__family_name="Mensah")
    slot = TimetableSlotFactory(session=session, date=dt.date(2022, 7, 18), start_time=dt.time(9, 0),
                                end_time=dt.time(10, 30), title="Upstream processing")
    visit = FacilityVisitFactory(session=session, host__name="SK bioscience", site="Andong L House")
    mark(enrolment, AttendanceStatus.LATE, slot=slot, by=coordinator)
    mark(enrolment, AttendanceStatus.PRESENT, visit=visit)

    common = {"Session": "BDM-2022-07", "Email": "ama@fda.gov.gh", "Trainee": "Ama MENSAH", "Country code": "GH",
              "Marked at": "2022-07-18T18:05:30+09:00"}
    assert csv_records(AttendanceExportResource(actor=None), ATTENDANCE_HEADERS) == [
        {**common, "Date": "2022-07-18", "Start time": "09:00", "Slot": "Upstream processing", "Kind": "slot",
         "Attendance": "Late", "Marked by": "coordinator@hub.test"},
        {**common, "Date": "2022-07-28", "Start time": "09:00", "Slot": "SK bioscience – Andong L House",
         "Kind": "visit", "Attendance": "Present", "Marked by": ""},
    ]


def test_attendance_cells_written_as_formulas_are_exported_as_text_and_hangul_is_intact(session):
    enrolment = EnrolmentFactory(session=session)
    mark(enrolment, AttendanceStatus.PRESENT, slot=TimetableSlotFactory(session=session, title="@SUM(A1)"))
    mark(enrolment, AttendanceStatus.PRESENT, slot=TimetableSlotFactory(session=session, title="세포배양 실습"))

    assert sorted(r["Slot"] for r in csv_records(AttendanceExportResource(actor=None), ATTENDANCE_HEADERS)) == [
        "'@SUM(A1)", "세포배양 실습"]
    sheet = exported_xlsx_sheet(SafeXLSX().export_data(AttendanceExportResource(actor=None).export()))
    titles = {row[ATTENDANCE_HEADERS.index("Slot")].value: row[ATTENDANCE_HEADERS.index("Slot")].data_type
              for row in sheet.iter_rows(min_row=2)}
    assert titles == {"'@SUM(A1)": "s", "세포배양 실습": "s"}


def test_the_attendance_importer_reads_the_exported_columns():
    positions, problems = match_columns(ATTENDANCE_HEADERS, ATTENDANCE_COLUMNS)
    assert not problems
    assert {f: ATTENDANCE_HEADERS[i] for f, i in positions.items()} == {
        "email": "Email", "date": "Date", "time": "Start time", "slot": "Slot", "status": "Attendance"}


@pytest.mark.parametrize("from_admin", [False, True], ids=["resource queryset", "admin change list queryset"])
def test_exporting_more_attendance_takes_no_more_queries(session, coordinator, assert_flat_queries, from_admin):
    visit = FacilityVisitFactory(session=session)

    def make(count):
        for i in range(count):
            enrolment = EnrolmentFactory(session=session, trainee__country=korea() if i % 2 else CountryFactory())
            if i % 3:
                mark(enrolment, AttendanceStatus.PRESENT, slot=TimetableSlotFactory(session=session), by=coordinator)
            else:
                mark(enrolment, AttendanceStatus.ABSENT, visit=visit)

    def export():
        return AttendanceExportResource(actor=None).export(AttendanceRecord.objects.all() if from_admin else None)

    make(3)
    few, many = assert_flat_queries(export, lambda: make(27))
    assert len(few) == 3
    assert len(many) == 30
