"""The access policy: hub staff see everything, a coordinator their sessions' rows, a trainee their own."""

import pytest

from cohorts.models import CourseSession, Enrolment
from cohorts.selectors import enrolment_list, session_list
from hubportal import access
from hubportal.access import Action
from hubportal.users.models import SessionAssignment
from trainees.models import Country, Trainee
from trainees.selectors import trainee_list

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory
from ..conftest import _user
from ..trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(role_groups, coordinator, trainee_user):
    july = CourseSessionFactory(code="BDM-2022-07")
    october = CourseSessionFactory(code="GXP-2022-10")
    both = TraineeFactory(email="both@hub.test", user=trainee_user)
    july_only = TraineeFactory(email="july@hub.test")
    EnrolmentFactory(trainee=both, session=july)
    EnrolmentFactory(trainee=both, session=october)
    EnrolmentFactory(trainee=july_only, session=july)
    SessionAssignment.objects.create(user=coordinator, session=october)
    return july, october, both, july_only


def emails(queryset):
    return sorted(queryset.values_list("email", flat=True))


def test_hub_staff_and_the_system_see_every_session_and_trainee(hub, hub_staff, superuser):
    for actor in (hub_staff, superuser, None):
        assert emails(trainee_list(actor=actor)) == ["both@hub.test", "july@hub.test"]
        assert session_list(actor=actor).count() == 2


def test_a_coordinator_sees_only_their_sessions_and_the_trainees_enrolled_in_them(hub, coordinator):
    july, october, both, july_only = hub
    assert list(session_list(actor=coordinator)) == [october]
    assert emails(trainee_list(actor=coordinator)) == ["both@hub.test"]  # once, though enrolled twice
    assert list(enrolment_list(actor=coordinator).values_list("session__code", flat=True)) == ["GXP-2022-10"]
    assert access.can(coordinator, Action.CHANGE, both)
    assert not access.can(coordinator, Action.VIEW, july_only)
    assert not access.can(coordinator, Action.VIEW, july)
    assert not access.can(coordinator, Action.VIEW, Country)  # never the countries table
    assert not access.can(coordinator, Action.DELETE, both)


def test_a_coordinator_without_a_session_sees_nothing(hub, role_groups):
    newcomer = _user("new-coordinator@hub.test", groups=[role_groups["Coordinators"]], is_staff=True)
    assert not trainee_list(actor=newcomer).exists()
    assert not enrolment_list(actor=newcomer).exists()


def test_a_trainee_sees_only_their_own_records(hub, trainee_user):
    july, october, both, july_only = hub
    assert emails(trainee_list(actor=trainee_user)) == ["both@hub.test"]
    assert enrolment_list(actor=trainee_user).count() == 2
    assert set(session_list(actor=trainee_user)) == {july, october}
    assert access.can(trainee_user, Action.VIEW, both)
    assert not access.can(trainee_user, Action.VIEW, july_only)
    assert not access.can(trainee_user, Action.CHANGE, both)


def test_anonymous_sees_nothing(hub):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not trainee_list(actor=anonymous).exists()
    assert not session_list(actor=anonymous).exists()
    assert not access.can(anonymous, Action.VIEW, Trainee)


def test_a_model_the_policy_does_not_name_is_hidden_from_coordinators(hub, coordinator):
    assert not access.visible(coordinator, Country.objects.all()).exists()
    assert set(access.visible(coordinator, CourseSession.objects.all())) == {hub[1]}
    assert set(access.visible(coordinator, Enrolment.objects.all()).values_list("session_id", flat=True)) == {
        hub[1].pk}
