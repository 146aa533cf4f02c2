import datetime as dt

from cohorts.models import EnrolmentStatus
from cohorts.services import attendance_mark

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, TimetableSlotFactory
from ..curriculum.factories import ModuleFactory


def ended_session(**kwargs):
    """A session that ended, with a 6-hour module and ten one-hour slots to attend."""
    session = CourseSessionFactory(start_date=dt.date(2022, 7, 18), end_date=dt.date(2022, 7, 29), **kwargs)
    module = ModuleFactory(course=session.course, learning_hours=6)
    slots = [TimetableSlotFactory(session=session, module=module, date=dt.date(2022, 7, 18),
                                  start_time=dt.time(8 + i), end_time=dt.time(8 + i, 50)) for i in range(10)]
    return session, slots


def enrolment_attending(session, slots, present: int, *, status=EnrolmentStatus.ATTENDED, actor=None, **trainee):
    """An enrolment that was present at `present` of the slots and absent at the rest."""
    enrolment = EnrolmentFactory(session=session, status=status, **{f"trainee__{k}": v for k, v in trainee.items()})
    for index, slot in enumerate(slots):
        attendance_mark(actor=actor, slot=slot, statuses={enrolment.pk: "present" if index < present else "absent"})
    return enrolment
