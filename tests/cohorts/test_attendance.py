import pytest
from django.core.exceptions import ValidationError

from cohorts.models import AttendanceRecord, EnrolmentStatus
from cohorts.selectors import enrolment_attendance_rate, enrolment_list
from cohorts.services import attendance_mark, facility_visit_set_participants
from hubportal import access

from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db


def _slots(session, n):
    return [TimetableSlotFactory(session=session) for _ in range(n)]


def test_attendance_rate_counts_present_and_late_over_the_marked_slots_less_excused(hub_staff):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.CONFIRMED)
    slots = _slots(enrolment.session, 6)
    assert enrolment_attendance_rate(enrolment) is None  # nothing marked yet

    for slot, status in zip(slots, ["present", "present", "late", "absent", "excused", "present"]):
        attendance_mark(actor=hub_staff, slot=slot, statuses={enrolment.pk: status})

    # 4 attended (3 present + 1 late) of 5 counted (the excused one left out).
    assert enrolment_attendance_rate(enrolment) == pytest.approx(80.0)


def test_marking_again_updates_only_what_changed(hub_staff):
    session = CourseSessionFactory()
    a, b = EnrolmentFactory(session=session), EnrolmentFactory(session=session)
    slot = TimetableSlotFactory(session=session)

    assert attendance_mark(actor=hub_staff, slot=slot, statuses={a.pk: "present", b.pk: "absent"}) == {
        "created": 2, "updated": 0, "unchanged": 0}
    assert attendance_mark(actor=hub_staff, slot=slot, statuses={a.pk: "present", b.pk: "late"}) == {
        "created": 0, "updated": 1, "unchanged": 1}
    record = AttendanceRecord.objects.get(enrolment=b, slot=slot)
    assert (record.status, record.marked_by) == ("late", hub_staff)


def test_bad_marks_are_refused_and_nothing_is_written(hub_staff):
    session = CourseSessionFactory()
    mine = EnrolmentFactory(session=session)
    elsewhere = EnrolmentFactory()
    slot = TimetableSlotFactory(session=session)

    with pytest.raises(ValidationError) as error:
        attendance_mark(actor=hub_staff, slot=slot, statuses={mine.pk: "sleeping", elsewhere.pk: "present"})

    messages = " ".join(error.value.messages)
    assert "“sleeping” is not an attendance status" in messages
    assert f"Enrolment {elsewhere.pk} is not in session {session.code}" in messages
    assert not AttendanceRecord.objects.exists()


def test_a_visit_is_marked_only_for_its_participants(hub_staff):
    session = CourseSessionFactory()
    going, staying = EnrolmentFactory(session=session), EnrolmentFactory(session=session)
    visit = FacilityVisitFactory(session=session)
    facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[going])

    attendance_mark(actor=hub_staff, visit=visit, statuses={going.pk: "present"})
    with pytest.raises(ValidationError, match="does not take part"):
        attendance_mark(actor=hub_staff, visit=visit, statuses={staying.pk: "present"})
    assert AttendanceRecord.objects.filter(visit=visit).count() == 1


def test_marking_a_slot_takes_the_same_queries_for_3_or_40_trainees(hub_staff, assert_flat_queries):
    marking = {}  # the slot to mark and its statuses: a session of 3 trainees, then another of 40

    def prepare(n):
        session = CourseSessionFactory()
        enrolments = [EnrolmentFactory(session=session) for _ in range(n)]
        marking.update(slot=TimetableSlotFactory(session=session), statuses={e.pk: "present" for e in enrolments})

    prepare(3)
    access.scope_of(hub_staff)  # the policy asks the actor's groups once per user object (a request's)
    assert_flat_queries(lambda: attendance_mark(actor=hub_staff, **marking), lambda: prepare(40))
    assert AttendanceRecord.objects.filter(slot=marking["slot"]).count() == 40


def test_attendance_rates_of_a_whole_session_come_in_one_query(hub_staff, django_assert_num_queries):
    session = CourseSessionFactory()
    enrolments = [EnrolmentFactory(session=session) for _ in range(5)]
    slot = TimetableSlotFactory(session=session)
    attendance_mark(actor=hub_staff, slot=slot, statuses={e.pk: "present" for e in enrolments})

    with django_assert_num_queries(1):
        rates = [(e.trainee.country.name, e.attendance_rate) for e in enrolment_list(actor=None, session=session)]
    assert rates == [("Ghana", 100.0)] * 5
