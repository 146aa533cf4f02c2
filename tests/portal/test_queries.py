"""Each trainee page answers in the same number of queries whatever the number of sessions, slots and marks."""

import datetime as dt

import pytest

from certificates.models import Certificate, CertificateStatus
from cohorts.models import AttendanceStatus, EnrolmentStatus
from cohorts.services import attendance_mark
from django.utils import timezone

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory

pytestmark = pytest.mark.django_db

PAGES = ["/", "/sessions/BDM-2022-07/timetable/", "/attendance/", "/certificates/", "/profile/", "/calendar.ics",
         "/profile/data.json"]


def add_session(trainee, index: int):
    session = CourseSessionFactory(code=f"GXP-2023-{index:02d}", start_date=dt.date(2023, 1, 2 + index),
                                   end_date=dt.date(2023, 1, 3 + index))
    enrolment = EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.COMPLETED)
    slots = [TimetableSlotFactory(session=session, date=session.start_date, start_time=dt.time(9 + i),
                                  end_time=dt.time(9 + i, 50)) for i in range(4)]
    visit = FacilityVisitFactory(session=session, meeting_point="Gate 2")
    visit.participants.add(enrolment)
    for slot in slots:
        attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.PRESENT})
    Certificate.objects.create(
        enrolment=enrolment, course=session.course, year=2023, number=index, serial=f"GXP-2023-{index:04d}",
        holder_name=trainee.full_name, course_title=session.course.title, start_date=session.start_date,
        end_date=session.end_date, learning_hours=8, issued_at=timezone.now(), status=CertificateStatus.VALID)


@pytest.mark.parametrize("url", PAGES)
def test_a_trainee_page_does_not_grow_in_queries_with_sessions(ama_client, ama, assert_flat_queries, url):
    def page():
        response = ama_client.get(url)
        assert response.status_code == 200, response.status_code
        return response

    assert_flat_queries(page, lambda: [add_session(ama["trainee"], i) for i in range(9)], warm=True)
