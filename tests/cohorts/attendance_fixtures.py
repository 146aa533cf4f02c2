"""A session in progress for the roll call and check-in tests: a July course with a slot today."""

import datetime as dt

from django.utils import timezone

from cohorts.models import EnrolmentStatus
from hubportal.users.models import SessionAssignment

from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..trainees.factories import TraineeFactory


def session_with_slot(*, trainees: int, coordinator=None, code="BDM-2022-07", start=dt.time(9), end=dt.time(10, 30),
                      users=()):
    """A session of `trainees` confirmed trainees (the first ones with the given logins) and a slot
    from `start` to `end` on the session's first day; assigned to `coordinator`."""
    day = dt.date(2022, 7, 18)
    session = CourseSessionFactory(code=code, start_date=day, end_date=day + dt.timedelta(days=4))
    slot = TimetableSlotFactory(session=session, date=day, start_time=start, end_time=end, title="GMP basics")
    enrolments = []
    users = list(users)
    for index in range(trainees):
        user = users[index] if index < len(users) else None
        trainee = TraineeFactory(user=user, given_name=f"Given{index:04d}", family_name=f"Family{index:04d}")
        enrolments.append(EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.CONFIRMED))
    if coordinator is not None:
        SessionAssignment.objects.create(user=coordinator, session=session)
    return session, slot, enrolments


def at_slot(slot, minutes: int = 0):
    """A moment `minutes` after the slot starts, in the hub's time zone."""
    start = dt.datetime.combine(slot.date, slot.start_time, tzinfo=timezone.get_default_timezone())
    return start + dt.timedelta(minutes=minutes)
