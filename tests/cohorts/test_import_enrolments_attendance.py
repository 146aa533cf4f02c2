"""Imports into a session: enrolments along their path, attendance after each day."""

import datetime as dt

import pytest

from cohorts.imports import attendance_import, enrolments_import, trainees_import_into_session
from cohorts.models import AttendanceRecord, Enrolment, EnrolmentStatus, EnrolmentStatusChange, SessionStatus
from cohorts.services import facility_visit_set_participants

from ..importfiles import table
from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return CourseSessionFactory(code="BDM-2022-07", capacity=3)


def enrol(rows, session, dry_run=False, actor=None):
    return enrolments_import(actor=actor, table=table(rows), session=session, dry_run=dry_run, file_name="e.csv")


def test_enrolments_are_created_and_walk_the_path_with_history(session, hub_staff):
    a, b = TraineeFactory(email="a@x.test"), TraineeFactory(email="b@x.test")
    report = enrol([["Email", "Status", "Nominated by", "Nominating body"],
                    ["A@X.test", "", "WHO", "World Health Organization"],
                    ["b@x.test", "Confirmed", "national authority", "FDA Ghana"]], session, actor=hub_staff)

    assert report.summary() == "created 2, updated 0, unchanged 0, errors 0"
    assert Enrolment.objects.get(trainee=a).status == EnrolmentStatus.NOMINATED
    confirmed = Enrolment.objects.get(trainee=b)
    assert (confirmed.status, confirmed.nominated_by, confirmed.nominating_body_name) == (
        EnrolmentStatus.CONFIRMED, "national_authority", "FDA Ghana")
    steps = list(confirmed.status_changes.values_list("from_status", "to_status"))
    assert steps == [("", "nominated"), ("nominated", "selected"), ("selected", "confirmed")]
    assert set(EnrolmentStatusChange.objects.values_list("changed_by", flat=True)) == {hub_staff.pk}


def test_reimport_is_unchanged_and_moves_forward_only(session):
    trainee = TraineeFactory(email="a@x.test")
    enrol([["Email", "Status"], ["a@x.test", "selected"]], session)
    assert enrol([["Email", "Status"], ["a@x.test", "selected"]], session).unchanged == 1

    report = enrol([["Email", "Status"], ["a@x.test", "nominated"]], session)
    assert [str(p) for p in report.problems] == [
        f"Row 2, Status: {trainee} cannot move from “Selected” to “Nominated”."]
    assert Enrolment.objects.get().status == EnrolmentStatus.SELECTED


def test_enrolment_problems_are_all_reported_and_nothing_is_written(session):
    TraineeFactory(email="a@x.test")
    report = enrol([["E-mail", "Status", "Nominated by"],
                    ["a@x.test", "confirmed", "WHO"],
                    ["ghost@x.test", "", ""],
                    ["a@x.test", "", ""],
                    ["", "", ""],
                    ["a2@x.test", "graduated", "the moon"]], session)
    messages = [str(p) for p in report.problems]
    assert "Row 3, E-mail: no trainee has the email ghost@x.test; import the trainees first." in messages
    assert "Row 4, E-mail: a@x.test is also on row 2; each trainee once per file." in messages
    assert not any(m.startswith("Row 5") for m in messages)  # a blank row is not a row
    assert any(m.startswith("Row 6, E-mail") for m in messages)
    assert not Enrolment.objects.exists()


def test_an_import_never_confirms_beyond_capacity(session):
    trainees = [TraineeFactory() for _ in range(4)]
    report = enrol([["Email", "Status"]] + [[t.email, "confirmed"] for t in trainees], session)
    assert [str(p) for p in report.problems] == [
        "Row 1: BDM-2022-07 has 3 places; after this file 4 trainees would hold one (confirmed, attended or "
        "completed)."]
    assert not Enrolment.objects.exists()


def test_a_closed_session_takes_no_import():
    closed = CourseSessionFactory(status=SessionStatus.CLOSED)
    TraineeFactory(email="a@x.test")
    report = enrol([["Email"], ["a@x.test"]], closed)
    assert "is closed" in report.problems[0].message


def test_trainees_import_with_a_session_nominates_the_new_and_known_trainees(session):
    known = TraineeFactory(email="known@x.test")
    EnrolmentFactory(trainee=TraineeFactory(email="enrolled@x.test"), session=session)
    rows = [["Email", "Given name", "Family name", "Country"], ["new@x.test", "N", "Ew", "GH"],
            ["known@x.test", known.given_name, known.family_name, "GH"],
            ["enrolled@x.test", "E", "N", "GH"]]

    report = trainees_import_into_session(actor=None, table=table(rows), session=session, dry_run=False)

    assert report.ok, [str(p) for p in report.problems]
    assert "2 nominated for BDM-2022-07." in report.notes
    assert session.enrolments.count() == 3


def test_trainees_import_into_a_session_writes_nothing_when_a_row_is_bad(session):
    rows = [["Email", "Given name", "Family name", "Country"], ["new@x.test", "N", "Ew", "GH"],
            ["bad", "B", "Ad", "GH"]]
    report = trainees_import_into_session(actor=None, table=table(rows), session=session, dry_run=False)
    assert not report.ok
    assert not Enrolment.objects.exists()


@pytest.fixture
def day_one(session):
    """Two slots on 18 July, one on the 19th, a visit on the 28th, two enrolled trainees."""
    am = TimetableSlotFactory(session=session, date=dt.date(2022, 7, 18), start_time=dt.time(9, 30),
                              end_time=dt.time(12, 30), title="Opening ceremony", module=None)
    pm = TimetableSlotFactory(session=session, date=dt.date(2022, 7, 18), start_time=dt.time(14),
                              end_time=dt.time(17), title="Immunology")
    other_day = TimetableSlotFactory(session=session, date=dt.date(2022, 7, 19), start_time=dt.time(9, 30),
                                     end_time=dt.time(12, 30), title="Immunology")
    a = EnrolmentFactory(session=session, trainee=TraineeFactory(email="a@x.test"))
    b = EnrolmentFactory(session=session, trainee=TraineeFactory(email="b@x.test"))
    return dict(am=am, pm=pm, other_day=other_day, a=a, b=b)


def attend(rows, session, dry_run=False):
    return attendance_import(actor=None, table=table(rows), session=session, dry_run=dry_run, file_name="a.csv")


def test_a_daily_sheet_marks_every_slot_of_that_day(session, day_one):
    report = attend([["Email", "Date", "Attendance"], ["a@x.test", "2022-07-18", "P"],
                     ["b@x.test", "18/07/2022", "late"]], session)

    assert report.summary() == "created 4, updated 0, unchanged 0, errors 0"
    marks = dict(AttendanceRecord.objects.filter(enrolment=day_one["b"]).values_list("slot", "status"))
    assert marks == {day_one["am"].pk: "late", day_one["pm"].pk: "late"}
    assert attend([["Email", "Date", "Attendance"], ["a@x.test", "2022-07-18", "present"],
                   ["b@x.test", "2022-07-18", "late"]], session).unchanged == 4


def test_a_slot_can_be_named_by_start_time_or_title(session, day_one):
    report = attend([["Email", "Date", "Start time", "Status"], ["a@x.test", "2022-07-18", "14:00", "absent"]], session)
    assert report.created == 1
    assert AttendanceRecord.objects.get().slot == day_one["pm"]
    report = attend([["Email", "Date", "Slot", "Status"], ["a@x.test", "2022-07-19", "Immunology", "excused"]], session)
    assert AttendanceRecord.objects.get(slot=day_one["other_day"]).status == "excused"
    report = attend([["Email", "Slot", "Status"], ["a@x.test", "Immunology", "present"]], session)
    assert "on several days; add the date" in report.problems[0].message


def test_a_visit_day_marks_the_visit_the_trainee_takes_part_in(session, day_one, hub_staff):
    visit = FacilityVisitFactory(session=session, capacity=5,
                                 starts_at=dt.datetime(2022, 7, 28, 8, tzinfo=dt.timezone(dt.timedelta(hours=9))),
                                 ends_at=dt.datetime(2022, 7, 28, 18, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[day_one["a"]])
    report = attend([["Email", "Date", "Status"], ["a@x.test", "2022-07-28", "present"],
                     ["b@x.test", "2022-07-28", "present"]], session)
    assert [str(p) for p in report.problems] == [
        f"Row 3, Date: {day_one['b'].trainee} takes part in no visit on 2022-07-28."]
    report = attend([["Email", "Date", "Status"], ["a@x.test", "2022-07-28", "present"]], session)
    assert AttendanceRecord.objects.get().visit == visit


def test_attendance_problems_are_named_and_nothing_is_written(session, day_one):
    TraineeFactory(email="outsider@x.test")
    report = attend([["Email", "Date", "Attendance"],
                     ["a@x.test", "2022-07-18", "present"],
                     ["outsider@x.test", "2022-07-18", "present"],
                     ["b@x.test", "2022-08-30", "present"],
                     ["b@x.test", "2022-07-18", "asleep"],
                     ["a@x.test", "18 July", "present"],
                     ["a@x.test", "2022-07-18", "late"]], session)
    messages = [str(p) for p in report.problems]
    assert "Row 3, Email: outsider@x.test is not enrolled in BDM-2022-07." in messages
    assert "Row 4, Date: 2022-08-30 is outside BDM-2022-07 (2022-07-18 to 2022-07-29)." in messages
    assert any(m.startswith("Row 5, Attendance: “asleep” is not an attendance status") for m in messages)
    assert "Row 6, Date: “18 July” is not a date (write it as 2022-07-18)." in messages
    assert any(m.startswith("Row 7, Email:") and "also on row 2" in m for m in messages)
    assert not AttendanceRecord.objects.exists()


def test_attendance_needs_a_date_or_a_slot_column(session):
    report = attend([["Email", "Attendance"], ["a@x.test", "present"]], session)
    assert [str(p) for p in report.problems] == [
        "Row 1: the file needs a “Date” or a “Slot” column to say when."]


def test_enrolment_and_attendance_imports_take_the_same_queries_for_few_and_many_rows(assert_flat_queries):
    current = {}  # the session and trainees to import: 3 of them, then a new session with 60

    def prepare(n):
        session = CourseSessionFactory(capacity=500)
        TimetableSlotFactory(session=session, date=session.start_date, start_time=dt.time(9), end_time=dt.time(12))
        current.update(session=session, trainees=[TraineeFactory() for _ in range(n)])

    def run():
        session, trainees = current["session"], current["trainees"]
        enrol([["Email", "Status"]] + [[t.email, "confirmed"] for t in trainees], session)
        attend([["Email", "Date", "Attendance"]] + [[t.email, str(session.start_date), "present"] for t in trainees],
               session)

    prepare(3)
    assert_flat_queries(run, lambda: prepare(60))
    assert AttendanceRecord.objects.filter(enrolment__session=current["session"]).count() == 60
