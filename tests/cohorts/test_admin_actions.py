"""What hub staff do in the admin: statuses move only through actions that keep the rules."""

import datetime as dt

import pytest

from cohorts.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange, FacilityVisit, SessionStatus

from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def test_confirm_action_confirms_up_to_capacity_and_says_why_it_stopped(staff_client):
    session = CourseSessionFactory(capacity=2)
    enrolments = [EnrolmentFactory(session=session, status=EnrolmentStatus.SELECTED) for _ in range(3)]

    response = staff_client.post(
        "/admin/cohorts/enrolment/",
        {"action": "move_to_confirmed", "_selected_action": [e.pk for e in enrolments]},
        follow=True,
    )

    messages = _messages(response)
    assert "2 enrolments moved to “Confirmed”." in messages
    assert f"{session.code} is full: all 2 places are confirmed." in messages
    assert session.enrolments.filter(status=EnrolmentStatus.CONFIRMED).count() == 2


def test_an_action_off_the_path_explains_itself_and_changes_nothing(staff_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.NOMINATED)

    response = staff_client.post(
        "/admin/cohorts/enrolment/",
        {"action": "move_to_completed", "_selected_action": [enrolment.pk]},
        follow=True,
    )

    assert any("cannot move from “Nominated” to “Completed”" in m for m in _messages(response))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.NOMINATED


def test_status_cannot_be_edited_by_hand_on_the_enrolment_form(staff_client):
    enrolment = EnrolmentFactory(status=EnrolmentStatus.NOMINATED)
    url = f"/admin/cohorts/enrolment/{enrolment.pk}/change/"

    page = staff_client.get(url).content.decode()
    assert 'name="status"' not in page
    staff_client.post(url, {"status": "completed", "nominated_by": "who", "nominating_body_name": "WHO"})

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.NOMINATED
    assert enrolment.nominated_by == "who"


def test_nominating_from_the_session_page_records_the_nomination(staff_client, hub_staff):
    session = CourseSessionFactory()
    trainee = TraineeFactory()
    url = f"/admin/cohorts/coursesession/{session.pk}/change/"
    form = {
        "code": session.code, "course": session.course.pk, "start_date": "2022-07-18", "end_date": "2022-07-29",
        "venue": session.venue, "capacity": 30, "completion_threshold": 80, "grace_minutes": 10,
        "slots-TOTAL_FORMS": 0, "slots-INITIAL_FORMS": 0,
        "enrolments-TOTAL_FORMS": 0, "enrolments-INITIAL_FORMS": 0,
        "enrolments-2-TOTAL_FORMS": 1, "enrolments-2-INITIAL_FORMS": 0,
        "enrolments-2-0-trainee": trainee.pk, "enrolments-2-0-nominated_by": "national_authority",
        "enrolments-2-0-nominating_body_name": "Food and Drugs Authority",
    }

    response = staff_client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    enrolment = Enrolment.objects.get(session=session, trainee=trainee)
    assert enrolment.status == EnrolmentStatus.NOMINATED
    assert enrolment.nominating_body_name == "Food and Drugs Authority"
    change = EnrolmentStatusChange.objects.get(enrolment=enrolment)
    assert (change.to_status, change.changed_by) == (EnrolmentStatus.NOMINATED, hub_staff)

    # Nominating the same trainee again is refused on the form, not with a server error.
    response = staff_client.post(url, {**form, "enrolments-TOTAL_FORMS": 0})
    assert response.status_code == 200
    assert "is already enrolled in this session." in response.content.decode()
    assert Enrolment.objects.filter(session=session).count() == 1


def test_session_actions_move_sessions_along_their_path(staff_client):
    planned = CourseSessionFactory(status=SessionStatus.PLANNED)
    response = staff_client.post(
        "/admin/cohorts/coursesession/",
        {"action": "close_sessions", "_selected_action": [planned.pk]},
        follow=True,
    )
    assert any("cannot go from “Planned” to “Closed”" in m for m in _messages(response))
    staff_client.post("/admin/cohorts/coursesession/",
                      {"action": "open_for_nominations", "_selected_action": [planned.pk]})
    planned.refresh_from_db()
    assert planned.status == SessionStatus.OPEN


def test_visit_form_refuses_more_participants_than_places(staff_client):
    visit = FacilityVisitFactory(capacity=1)
    enrolments = [EnrolmentFactory(session=visit.session) for _ in range(2)]
    response = staff_client.post(
        f"/admin/cohorts/facilityvisit/{visit.pk}/change/",
        {
            "session": visit.session.pk, "host": visit.host.pk, "site": visit.site,
            "starts_at_0": "2022-07-28", "starts_at_1": "09:00", "ends_at_0": "2022-07-28", "ends_at_1": "17:00",
            "capacity": 1, "participants": [e.pk for e in enrolments],
        },
    )
    assert response.status_code == 200
    assert "The visit takes 1 people; 2 were chosen." in response.content.decode()
    assert FacilityVisit.objects.get(pk=visit.pk).participants.count() == 0


def test_the_session_list_shows_each_session_s_days_as_one_span(staff_client):
    CourseSessionFactory(code="BDM-2022-07", start_date=dt.date(2022, 7, 18), end_date=dt.date(2022, 7, 29))
    CourseSessionFactory(code="XMAS-2022", start_date=dt.date(2022, 12, 28), end_date=dt.date(2023, 1, 6))

    page = staff_client.get("/admin/cohorts/coursesession/").content.decode()

    assert '<td class="field-dates">18 – 29 July 2022</td>' in page
    assert '<td class="field-dates">28 December 2022 – 6 January 2023</td>' in page
