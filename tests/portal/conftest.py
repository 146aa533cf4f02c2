import datetime as dt

import pytest
from django.utils import timezone

from cohorts.models import AttendanceStatus, EnrolmentStatus
from cohorts.services import attendance_mark

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..trainees.factories import CountryFactory, TraineeFactory

KST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture
def ama(trainee_user):
    """Ama, from Ghana (UTC+0), signed up with a login, enrolled in the July course: ten slots over
    two days, a facility visit with a meeting point, three slots marked."""
    trainee = TraineeFactory(given_name="Ama", family_name="Mensah", email="ama@fda.test", user=trainee_user,
                             country=CountryFactory(code="GH"), phone="+233 20 000 0000")
    session = CourseSessionFactory(code="BDM-2022-07", start_date=dt.date(2022, 7, 18),
                                   end_date=dt.date(2022, 7, 19), completion_threshold=80)
    enrolment = EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.CONFIRMED)
    slots = [TimetableSlotFactory(session=session, date=dt.date(2022, 7, 18 + day), start_time=dt.time(9 + 2 * i),
                                  end_time=dt.time(10 + 2 * i), room="Hoam 101")
             for day in range(2) for i in range(4)]
    visit = FacilityVisitFactory(session=session, site="Fill-finish plant", meeting_point="Main gate bus stop",
                                 starts_at=dt.datetime(2022, 7, 19, 14, tzinfo=KST),
                                 ends_at=dt.datetime(2022, 7, 19, 17, tzinfo=KST),
                                 meets_at=dt.datetime(2022, 7, 19, 13, 30, tzinfo=KST))
    visit.participants.add(enrolment)
    attendance_mark(actor=None, slot=slots[0], statuses={enrolment.pk: AttendanceStatus.PRESENT})
    attendance_mark(actor=None, slot=slots[1], statuses={enrolment.pk: AttendanceStatus.ABSENT})
    attendance_mark(actor=None, slot=slots[2], statuses={enrolment.pk: AttendanceStatus.LATE})
    trainee.refresh_from_db()
    return {"trainee": trainee, "user": trainee_user, "session": session, "enrolment": enrolment, "slots": slots,
            "visit": visit}


@pytest.fixture
def ama_client(client, ama):
    client.force_login(ama["user"])
    return client


@pytest.fixture
def on_day_two(monkeypatch):
    """The clock at 11:00 in Korea on the session's second day."""
    moment = dt.datetime(2022, 7, 19, 11, 0, tzinfo=KST)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
