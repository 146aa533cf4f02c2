"""Every admin list page answers in the same number of SQL queries for few rows and for many."""

import pytest

from cohorts.models import EnrolmentStatus
from cohorts.services import attendance_mark, facility_visit_set_participants

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory, TimetableSlotFactory
from ..curriculum.factories import ModuleFactory
from ..trainees.factories import CountryFactory, OrganisationFactory, TraineeFactory

pytestmark = pytest.mark.django_db

COUNTRIES = ["GH", "KE", "NG", "SN", "VN", "TH", "EG", "BD"]


def _grow(n, actor):
    """Add n of everything: countries, organisations, trainees, sessions with slots, visits, attendance."""
    for i in range(n):
        country = CountryFactory(code=COUNTRIES[i % len(COUNTRIES)])
        session = CourseSessionFactory()
        ModuleFactory(course=session.course)
        slot = TimetableSlotFactory(session=session)
        enrolment = EnrolmentFactory(
            session=session, status=EnrolmentStatus.CONFIRMED,
            trainee=TraineeFactory(country=country, organisation=OrganisationFactory(country=country)),
        )
        visit = FacilityVisitFactory(session=session, host=OrganisationFactory(country=country))
        facility_visit_set_participants(actor=actor, visit=visit, enrolments=[enrolment])
        attendance_mark(actor=actor, slot=slot, statuses={enrolment.pk: "present"})
        attendance_mark(actor=actor, visit=visit, statuses={enrolment.pk: "late"})


@pytest.mark.parametrize(
    "url",
    [
        "/admin/trainees/trainee/",
        "/admin/trainees/trainee/?country__who_region=AFR&category=lmic_production",
        "/admin/trainees/organisation/",
        "/admin/trainees/country/",
        "/admin/trainees/country/?who_membership=member&who_region=WPR",
        "/admin/trainees/incomeclassification/",
        "/admin/cohorts/coursesession/",
        "/admin/cohorts/enrolment/",
        "/admin/cohorts/enrolment/?status=confirmed&o=7",
        "/admin/cohorts/timetableslot/",
        "/admin/cohorts/facilityvisit/",
        "/admin/cohorts/attendancerecord/",
        "/admin/curriculum/course/",
        "/admin/curriculum/module/",
        "/admin/audit/auditentry/",
    ],
)
def test_admin_list_query_count_does_not_grow_with_rows(superuser, client, assert_flat_queries, url):
    client.force_login(superuser)
    _grow(3, superuser)
    few, many = assert_flat_queries(lambda: client.get(url), lambda: _grow(12, superuser), warm=True)
    assert few.status_code == 200
    assert many.status_code == 200


def test_session_page_with_its_timetable_and_cohort_does_not_grow_with_the_cohort(
    superuser, client, assert_flat_queries
):
    client.force_login(superuser)
    session = CourseSessionFactory(capacity=200)
    url = f"/admin/cohorts/coursesession/{session.pk}/change/"

    def add(n):
        for _ in range(n):
            EnrolmentFactory(session=session)
            TimetableSlotFactory(session=session, module=ModuleFactory(course=session.course))

    add(3)
    few, many = assert_flat_queries(lambda: client.get(url), lambda: add(20), warm=True)
    assert few.status_code == 200
    assert many.content.decode().count('class="form-row') >= 46
