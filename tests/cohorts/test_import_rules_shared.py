"""The hub's rules hold the same whichever door a change comes through: a file imported by a
coordinator, or one enrolment, nomination or attendance mark in the admin. The importers read the
file; the writes and their rules are the services' (issue 12, "One home for the rules")."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cohorts.imports import attendance_import, enrolments_import, trainees_import_into_session
from cohorts.models import AttendanceRecord, Enrolment, EnrolmentStatus, EnrolmentStatusChange, SessionStatus
from cohorts.services import (
    attendance_mark,
    enrolment_advance_to,
    enrolment_change_status,
    session_change_status,
    trainee_enroll,
)
from hubportal.audit.models import AuditEntry
from hubportal.users.models import SessionAssignment
from trainees.imports import trainees_import
from trainees.models import Country, OrganisationKind, Trainee, TraineeCategory
from trainees.services import organisation_get_or_create

from ..importfiles import table
from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db
S = EnrolmentStatus


def enrol(rows, session, actor=None, dry_run=False):
    return enrolments_import(actor=actor, table=table([["Email", "Status"], *rows]), session=session,
                             dry_run=dry_run, file_name="selected.csv")


def history(enrolment):
    return [(c.from_status, c.to_status, c.changed_by_id) for c in enrolment.status_changes.order_by("id")]


# --- The enrolment path ------------------------------------------------------------------------


def test_an_import_and_a_single_move_refuse_the_same_backward_move_in_the_same_words(hub_staff):
    session = CourseSessionFactory(code="BDM-2022-07")
    by_hand = EnrolmentFactory(session=session, status=S.CONFIRMED, trainee=TraineeFactory(email="a@x.test"))
    by_file = EnrolmentFactory(session=session, status=S.CONFIRMED, trainee=TraineeFactory(email="b@x.test"))

    with pytest.raises(ValidationError) as refused:
        enrolment_change_status(actor=hub_staff, enrolment=by_hand, to_status=S.SELECTED)
    report = enrol([["b@x.test", "Selected"]], session, actor=hub_staff)

    assert refused.value.messages[0] == f"{by_hand.trainee} cannot move from “Confirmed” to “Selected”."
    assert [(p.row, p.column, p.message) for p in report.problems] == [
        (2, "Status", f"{by_file.trainee} cannot move from “Confirmed” to “Selected”.")]
    assert set(Enrolment.objects.values_list("status", flat=True)) == {S.CONFIRMED}
    assert not EnrolmentStatusChange.objects.exists()


@pytest.mark.parametrize("target", [S.SELECTED, S.NOMINATED])
def test_enrolment_advance_to_refuses_what_an_import_refuses_in_the_same_words(hub_staff, target):
    session = CourseSessionFactory()
    enrolment = EnrolmentFactory(session=session, status=S.COMPLETED, trainee=TraineeFactory(email="a@x.test"))

    with pytest.raises(ValidationError) as refused:
        enrolment_advance_to(actor=hub_staff, enrolment=enrolment, to_status=target)
    report = enrol([["a@x.test", target]], session, actor=hub_staff)

    assert [p.message for p in report.problems] == refused.value.messages


@pytest.mark.parametrize("target", [S.CONFIRMED, S.COMPLETED, S.WITHDRAWN])
def test_an_import_writes_the_status_history_the_single_services_write(hub_staff, target):
    session = CourseSessionFactory(capacity=5)
    by_hand = trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=session)
    by_hand = enrolment_advance_to(actor=hub_staff, enrolment=by_hand, to_status=target)
    trainee = TraineeFactory(email="file@x.test")

    report = enrol([["file@x.test", target]], session, actor=hub_staff)

    assert report.ok, [str(p) for p in report.problems]
    by_file = Enrolment.objects.get(trainee=trainee)
    assert by_file.status == by_hand.status == target
    assert history(by_file) == history(by_hand)
    assert [c.note for c in by_file.status_changes.all()] == ["import selected.csv"] * len(history(by_hand))
    entry = AuditEntry.objects.get(action="enrolments.import")
    assert (entry.actor, entry.target_id, entry.data) == (
        hub_staff, str(session.pk), {"file": "selected.csv", "created": 1, "updated": 0, "unchanged": 0})


def test_an_import_moves_an_enrolment_on_from_where_a_single_move_left_it(hub_staff):
    session = CourseSessionFactory()
    enrolment = trainee_enroll(actor=hub_staff, trainee=TraineeFactory(email="a@x.test"), session=session)
    enrolment_change_status(actor=hub_staff, enrolment=enrolment, to_status=S.SELECTED)

    report = enrol([["a@x.test", "attended"]], session, actor=hub_staff)

    assert report.summary() == "created 0, updated 1, unchanged 0, errors 0"
    assert report.outcomes[0].changes == {"status": ("Selected", "Attended")}
    assert [(f, t) for f, t, _by in history(Enrolment.objects.get())] == [
        ("", S.NOMINATED), (S.NOMINATED, S.SELECTED), (S.SELECTED, S.CONFIRMED), (S.CONFIRMED, S.ATTENDED)]


# --- Capacity ----------------------------------------------------------------------------------


def test_an_import_counts_the_seats_single_confirmations_took(hub_staff):
    session = CourseSessionFactory(code="BDM-2022-07", capacity=3)
    for _ in range(2):
        enrolment_advance_to(actor=hub_staff, enrolment=EnrolmentFactory(session=session), to_status=S.CONFIRMED)
    late = [TraineeFactory(email=f"late{i}@x.test") for i in range(2)]

    report = enrol([[t.email, "confirmed"] for t in late], session)

    assert [str(p) for p in report.problems] == [
        "Row 1: BDM-2022-07 has 3 places; after this file 4 trainees would hold one (confirmed, attended or "
        "completed)."]
    assert session.enrolments.count() == 2

    assert enrol([[late[0].email, "confirmed"]], session).ok
    waiting = EnrolmentFactory(session=session, status=S.SELECTED)
    with pytest.raises(ValidationError) as full:
        enrolment_change_status(actor=hub_staff, enrolment=waiting, to_status=S.CONFIRMED)
    assert full.value.messages == ["BDM-2022-07 is full: all 3 places are confirmed."]
    assert session.enrolments.filter(status=S.CONFIRMED).count() == 3


def test_a_file_that_takes_no_seat_is_not_refused_for_seats_held_as_a_single_nomination_is_not(hub_staff):
    session = CourseSessionFactory(capacity=2)
    for _ in range(2):
        EnrolmentFactory(session=session, status=S.CONFIRMED)
    session.capacity = 1  # lowered after two had confirmed: one seat too many is held
    session.save()
    TraineeFactory(email="new@x.test")

    trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=session)
    report = enrol([["new@x.test", "selected"]], session)

    assert report.ok, [str(p) for p in report.problems]
    assert session.enrolments.filter(status=S.SELECTED).count() == 1
    assert not enrol([[TraineeFactory().email, "confirmed"]], session).ok


# --- Closed sessions ---------------------------------------------------------------------------


def test_a_closed_session_refuses_the_import_and_the_single_nomination_alike(hub_staff):
    session = CourseSessionFactory(code="BDM-2022-07", status=SessionStatus.RUNNING)
    session = session_change_status(actor=hub_staff, session=session, to_status=SessionStatus.CLOSED)
    TraineeFactory(email="a@x.test")
    rows = [["Email", "Given name", "Family name", "Country"], ["b@x.test", "B", "Bee", "GH"]]

    with pytest.raises(ValidationError, match="BDM-2022-07 is closed"):
        trainee_enroll(actor=hub_staff, trainee=Trainee.objects.get(), session=session)
    for report in (enrol([["a@x.test", ""]], session),
                   trainees_import_into_session(actor=hub_staff, table=table(rows), session=session, dry_run=False)):
        assert [p.message for p in report.problems] == [
            "BDM-2022-07 is closed; reopen it (running) before importing into it."]
    assert not Enrolment.objects.exists() and not Trainee.objects.filter(email="b@x.test").exists()

    session = session_change_status(actor=hub_staff, session=session, to_status=SessionStatus.RUNNING)
    assert enrol([["a@x.test", ""]], session).created == 1
    trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=session)


def test_trainees_nominated_from_a_file_get_the_history_row_of_a_single_nomination(hub_staff):
    session = CourseSessionFactory(code="GXP-2022-10")
    by_hand = trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=session)
    rows = [["Email", "Given name", "Family name", "Country"], ["new@x.test", "N", "Ew", "GH"]]

    report = trainees_import_into_session(actor=hub_staff, table=table(rows), session=session, dry_run=False)

    assert "1 nominated for GXP-2022-10." in report.notes
    by_file = Enrolment.objects.get(trainee__email="new@x.test")
    assert (by_file.status, history(by_file)) == (by_hand.status, history(by_hand))


def test_nominating_a_file_takes_the_same_queries_for_few_and_many_trainees(assert_flat_queries):
    current = {}  # the file and the session: 3 new trainees, then 50 others into another session

    def rows(n):
        current["rows"] = [["Email", "Given name", "Family name", "Country"]] + [
            [f"t{n}-{i}@x.test", "G", "F", "GH"] for i in range(n)]
        current["session"] = CourseSessionFactory()

    def run():
        report = trainees_import_into_session(actor=None, table=table(current["rows"]), session=current["session"],
                                              dry_run=False)
        assert report.ok, [str(p) for p in report.problems]

    rows(3)
    assert_flat_queries(run, lambda: rows(50))
    assert current["session"].enrolments.count() == 50


# --- Attendance --------------------------------------------------------------------------------


@pytest.fixture
def day_one():
    session = CourseSessionFactory(code="BDM-2022-07")
    slot = TimetableSlotFactory(session=session, date=dt.date(2022, 7, 18), start_time=dt.time(9, 30),
                                end_time=dt.time(12, 30), title="Opening ceremony", module=None)
    enrolment = EnrolmentFactory(session=session, trainee=TraineeFactory(email="a@x.test"))
    return session, slot, enrolment


def attend(status, session, actor):
    return attendance_import(actor=actor, table=table([["Email", "Date", "Attendance"], ["a@x.test", "2022-07-18",
                                                                                        status]]),
                             session=session, dry_run=False, file_name="day-1.csv")


def test_an_import_and_attendance_mark_upsert_the_same_record(day_one, hub_staff, coordinator):
    session, slot, enrolment = day_one
    SessionAssignment.objects.create(user=coordinator, session=session)  # a coordinator marks their own session

    assert attendance_mark(actor=hub_staff, slot=slot, statuses={enrolment.pk: "present"})["created"] == 1
    assert attend("P", session, coordinator).summary() == "created 0, updated 0, unchanged 1, errors 0"
    record = AttendanceRecord.objects.get()
    assert (record.status, record.marked_by) == ("present", hub_staff)

    report = attend("late", session, coordinator)
    assert report.updated == 1 and report.outcomes[0].changes == {"attendance": ("Present", "Late")}
    record = AttendanceRecord.objects.get()
    assert (record.status, record.marked_by) == ("late", coordinator)

    assert attendance_mark(actor=hub_staff, slot=slot, statuses={enrolment.pk: "late"}) == {
        "created": 0, "updated": 0, "unchanged": 1}
    assert attendance_mark(actor=hub_staff, slot=slot, statuses={enrolment.pk: "absent"})["updated"] == 1
    record = AttendanceRecord.objects.get()
    assert (record.status, record.marked_by) == ("absent", hub_staff)
    assert AuditEntry.objects.filter(action="attendance.import").count() == 2


# --- Trainees and organisations ----------------------------------------------------------------


def test_an_import_finds_the_organisation_a_single_form_created_and_categorises_by_it(reference_countries,
                                                                                      hub_staff):
    ghana = Country.objects.get(code="GH")
    fda, created = organisation_get_or_create(actor=hub_staff, name="  Food and Drugs   Authority ", country=ghana,
                                              kind=OrganisationKind.REGULATORY_AUTHORITY)
    assert created and fda.name == "Food and Drugs Authority"

    report = trainees_import(actor=hub_staff, table=table([
        ["Email", "Given name", "Family name", "Country", "Organisation"],
        [" Ama@FDA.test ", "Ama", "Mensah", "GH", "food  and drugs AUTHORITY"],
        ["kofi@fda.test", "Kofi", "Boateng", "GH", "Ghana   Standards Authority"],
    ]), dry_run=False, file_name="list.csv")

    assert report.ok and report.notes[-1] == "New organisations: Ghana Standards Authority."
    ama = Trainee.objects.get(email="ama@fda.test")
    assert (ama.organisation, ama.category) == (fda, TraineeCategory.LMIC_GOVERNMENT)
    assert organisation_get_or_create(actor=hub_staff, name="GHANA STANDARDS AUTHORITY", country=ghana,
                                      kind=OrganisationKind.OTHER)[1] is False
    assert Trainee.objects.get(email="kofi@fda.test").category == TraineeCategory.LMIC_PRODUCTION
