"""Issue 15: signing up for facility visits, with a capacity and a waiting list that moves up."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cohorts.models import EnrolmentStatus, VisitWaitlistEntry
from cohorts.services import SignUp, facility_visit_cancel, facility_visit_sign_up
from hubportal.audit.models import AuditEntry
from hubportal.outbox.models import OutboundEmail

from ..conftest import PASSWORD
from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory, FacilityVisitFactory


def _confirmed(session, n):
    result = []
    for index in range(n):
        user = get_user_model().objects.create_user(email=f"t{index}-{session.code}@hub.test", password=PASSWORD)
        trainee = TraineeFactory(user=user, email=user.email)
        result.append(EnrolmentFactory(trainee=trainee, session=session, status=EnrolmentStatus.CONFIRMED))
    return result


@pytest.fixture
def visit(db):
    session = CourseSessionFactory(code="BDM-2099-01")
    later = timezone.now() + dt.timedelta(days=3)
    return FacilityVisitFactory(session=session, capacity=2, starts_at=later, ends_at=later + dt.timedelta(hours=6))


def test_sign_up_until_capacity_then_waiting_list_and_cancel_moves_the_first_up(visit):
    a, b, c, d = _confirmed(visit.session, 4)
    assert facility_visit_sign_up(actor=a.trainee.user, visit=visit, enrolment=a) == SignUp.PARTICIPANT
    assert facility_visit_sign_up(actor=b.trainee.user, visit=visit, enrolment=b) == SignUp.PARTICIPANT
    assert facility_visit_sign_up(actor=c.trainee.user, visit=visit, enrolment=c) == SignUp.WAITING
    assert facility_visit_sign_up(actor=d.trainee.user, visit=visit, enrolment=d) == SignUp.WAITING
    assert set(visit.participants.all()) == {a, b}
    moved = facility_visit_cancel(actor=a.trainee.user, visit=visit, enrolment=a)
    assert moved == [c]
    assert set(visit.participants.all()) == {b, c}
    assert list(VisitWaitlistEntry.objects.values_list("enrolment", flat=True)) == [d.pk]
    assert OutboundEmail.objects.filter(to=[c.trainee.email]).exists()  # told the place is theirs
    assert AuditEntry.objects.filter(action="visit.waitlist_move_up").exists()


def test_no_double_sign_up(visit):
    a, b, c = _confirmed(visit.session, 3)
    facility_visit_sign_up(actor=a.trainee.user, visit=visit, enrolment=a)
    with pytest.raises(ValidationError):
        facility_visit_sign_up(actor=a.trainee.user, visit=visit, enrolment=a)
    facility_visit_sign_up(actor=b.trainee.user, visit=visit, enrolment=b)
    facility_visit_sign_up(actor=c.trainee.user, visit=visit, enrolment=c)
    with pytest.raises(ValidationError):
        facility_visit_sign_up(actor=c.trainee.user, visit=visit, enrolment=c)


def test_a_trainee_signs_up_only_themselves_for_their_sessions_visits(visit, hub_staff):
    a, b = _confirmed(visit.session, 2)
    with pytest.raises(PermissionDenied):
        facility_visit_sign_up(actor=a.trainee.user, visit=visit, enrolment=b)
    other = _confirmed(CourseSessionFactory(code="GXP-2099-01"), 1)[0]
    with pytest.raises(ValidationError):
        facility_visit_sign_up(actor=other.trainee.user, visit=visit, enrolment=other)
    assert facility_visit_sign_up(actor=hub_staff, visit=visit, enrolment=b) == SignUp.PARTICIPANT


def test_the_timetable_page_signs_up_and_cancels(visit, client):
    a, b, c = _confirmed(visit.session, 3)
    visit.participants.add(a, b)
    client.force_login(c.trainee.user)
    page = reverse("portal_timetable", args=[visit.session.code])
    assert "Join the waiting list" in client.get(page).content.decode()
    assert client.post(reverse("portal_visit_sign_up", args=[visit.pk])).status_code == 302
    assert "number 1 on the waiting list" in client.get(page).content.decode()
    client.force_login(a.trainee.user)
    client.post(reverse("portal_visit_cancel", args=[visit.pk]))
    assert set(visit.participants.all()) == {b, c}
    outsider = _confirmed(CourseSessionFactory(code="GXP-2099-02"), 1)[0]
    client.force_login(outsider.trainee.user)
    assert client.post(reverse("portal_visit_sign_up", args=[visit.pk])).status_code == 404


def test_the_timetable_queries_stay_flat_with_more_visits(visit, client, assert_flat_queries):
    (a,) = _confirmed(visit.session, 1)
    client.force_login(a.trainee.user)
    page = reverse("portal_timetable", args=[visit.session.code])

    def grow():
        for _ in range(3):
            more = FacilityVisitFactory(session=visit.session, starts_at=visit.starts_at, ends_at=visit.ends_at)
            more.participants.add(*_confirmed_more(visit.session))

    counter = iter(range(1000))

    def _confirmed_more(session):
        n = next(counter)
        user = get_user_model().objects.create_user(email=f"more{n}@hub.test", password=PASSWORD)
        return [EnrolmentFactory(trainee=TraineeFactory(user=user, email=user.email), session=session,
                                 status=EnrolmentStatus.CONFIRMED)]

    assert_flat_queries(lambda: client.get(page), grow, warm=True)


def test_the_visit_admin_shows_the_waiting_list_in_its_order_and_saves_as_before(visit, client, hub_staff):
    a, b, c, d = _confirmed(visit.session, 4)
    for enrolment in (a, b, d, c):
        facility_visit_sign_up(actor=enrolment.trainee.user, visit=visit, enrolment=enrolment)
    client.force_login(hub_staff)
    url = reverse("admin:cohorts_facilityvisit_change", args=[visit.pk])
    page = client.get(url).content.decode()
    waiting = page[page.index("<ol>"):page.index("</ol>")]
    assert waiting.index(str(d.trainee)) < waiting.index(str(c.trainee)) and str(a.trainee) not in waiting
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if name in form.fields and value is not None}
    data.update(participants=[a.pk, b.pk], starts_at_0=visit.starts_at.date(), starts_at_1="09:00",
                ends_at_0=visit.ends_at.date(), ends_at_1="17:00", meets_at_0="", meets_at_1="", site="Songdo plant")
    assert client.post(url, data).status_code == 302
    visit.refresh_from_db()
    assert visit.site == "Songdo plant" and VisitWaitlistEntry.objects.filter(visit=visit).count() == 2
    assert "Nobody is waiting." in client.get(reverse("admin:cohorts_facilityvisit_add")).content.decode()
