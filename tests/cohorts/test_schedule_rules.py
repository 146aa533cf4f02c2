import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cohorts.models import AttendanceRecord
from curriculum.models import Module

from ..curriculum.factories import CourseFactory, ModuleFactory
from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db


def test_a_session_cannot_end_before_it_starts():
    session = CourseSessionFactory.build(course=CourseFactory(), start_date=dt.date(2022, 7, 29),
                                         end_date=dt.date(2022, 7, 18))
    with pytest.raises(ValidationError) as error:
        session.full_clean()
    assert "The session cannot end before it starts." in error.value.messages
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()


def test_session_codes_are_unique_and_shaped_like_bdm_2022_07():
    CourseSessionFactory(code="BDM-2022-07")
    with pytest.raises(ValidationError) as error:
        CourseSessionFactory.build(code="BDM-2022-07", course=CourseFactory()).full_clean()
    assert "code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        CourseSessionFactory.build(code="bdm 2022/07", course=CourseFactory()).full_clean()
    assert "capital letters" in error.value.message_dict["code"][0]


def test_a_slot_must_end_after_it_starts_and_fall_within_its_session():
    session = CourseSessionFactory()
    slot = TimetableSlotFactory.build(session=session, module=ModuleFactory(course=session.course),
                                      start_time=dt.time(14), end_time=dt.time(9))
    with pytest.raises(IntegrityError), transaction.atomic():
        slot.save()
    late = TimetableSlotFactory.build(session=session, module=ModuleFactory(course=session.course),
                                      date=dt.date(2022, 8, 1))
    with pytest.raises(ValidationError) as error:
        late.full_clean()
    assert "within the session" in error.value.message_dict["date"][0]


def test_a_slot_teaches_a_module_of_its_own_course():
    session = CourseSessionFactory()
    other = ModuleFactory(course=CourseFactory(code="GXP", title="GxP"))
    with pytest.raises(ValidationError) as error:
        TimetableSlotFactory.build(session=session, module=other).full_clean()
    assert "another course" in error.value.message_dict["module"][0]


def test_modules_carry_a_positive_number_of_learning_hours():
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleFactory(learning_hours=0)
    assert not Module.objects.exists()


def test_attendance_is_for_exactly_one_slot_or_one_visit():
    enrolment = EnrolmentFactory()
    slot = TimetableSlotFactory(session=enrolment.session)
    visit = FacilityVisitFactory(session=enrolment.session)
    now = visit.starts_at
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceRecord.objects.create(enrolment=enrolment, status="present", marked_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceRecord.objects.create(enrolment=enrolment, slot=slot, visit=visit, status="present", marked_at=now)
    AttendanceRecord.objects.create(enrolment=enrolment, slot=slot, status="present", marked_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        AttendanceRecord.objects.create(enrolment=enrolment, slot=slot, status="late", marked_at=now)
