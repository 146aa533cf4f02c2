import pytest
from django.core.exceptions import ValidationError

from cohorts.models import EnrolmentStatus
from cohorts.services import facility_visit_set_participants

from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory

pytestmark = pytest.mark.django_db


def test_a_visit_takes_no_more_participants_than_its_capacity(hub_staff):
    visit = FacilityVisitFactory(capacity=2)
    enrolments = [EnrolmentFactory(session=visit.session) for _ in range(3)]

    with pytest.raises(ValidationError) as error:
        facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=enrolments)

    assert error.value.messages == ["The visit takes 2 people; 3 were chosen."]
    assert visit.participants.count() == 0


def test_only_trainees_of_the_visits_session_who_still_take_part_can_go(hub_staff):
    visit = FacilityVisitFactory()
    other_session = EnrolmentFactory(session=CourseSessionFactory())
    withdrawn = EnrolmentFactory(session=visit.session, status=EnrolmentStatus.WITHDRAWN)

    with pytest.raises(ValidationError) as error:
        facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[other_session, withdrawn])

    assert len(error.value.messages) == 2
    assert "not in this visit's session" in error.value.messages[0]
    assert "Withdrawn" in error.value.messages[1]


def test_participants_can_be_changed(hub_staff):
    visit = FacilityVisitFactory()
    a, b = EnrolmentFactory(session=visit.session), EnrolmentFactory(session=visit.session)
    facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[a])
    facility_visit_set_participants(actor=hub_staff, visit=visit, enrolments=[b])
    assert list(visit.participants.all()) == [b]
