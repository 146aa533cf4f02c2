import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cohorts.models import Enrolment, EnrolmentStatus, EnrolmentStatusChange, SessionStatus
from cohorts.services import enrolment_advance_to, enrolment_change_status, session_change_status, trainee_enroll
from hubportal.audit.models import AuditEntry

from ..trainees.factories import TraineeFactory
from .factories import CourseSessionFactory, EnrolmentFactory

pytestmark = pytest.mark.django_db
S = EnrolmentStatus


def test_enrolment_walks_the_whole_path_and_keeps_who_moved_it_and_when(hub_staff):
    enrolment = trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=CourseSessionFactory(),
                               nominated_by="who")
    for status in (S.SELECTED, S.CONFIRMED, S.ATTENDED, S.COMPLETED):
        enrolment = enrolment_change_status(actor=hub_staff, enrolment=enrolment, to_status=status)

    assert enrolment.status == S.COMPLETED
    history = list(EnrolmentStatusChange.objects.filter(enrolment=enrolment))
    assert [(h.from_status, h.to_status) for h in history] == [
        ("", S.NOMINATED), (S.NOMINATED, S.SELECTED), (S.SELECTED, S.CONFIRMED),
        (S.CONFIRMED, S.ATTENDED), (S.ATTENDED, S.COMPLETED),
    ]
    assert all(h.changed_by == hub_staff for h in history)
    assert [h.changed_at for h in history] == sorted(h.changed_at for h in history)
    assert enrolment.status_changed_at == history[-1].changed_at
    assert AuditEntry.objects.filter(action="enrolment.status", actor=hub_staff).count() == 4


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (S.NOMINATED, S.CONFIRMED),   # skipping selection
        (S.NOMINATED, S.COMPLETED),
        (S.SELECTED, S.ATTENDED),
        (S.NOMINATED, S.NO_SHOW),     # only a confirmed trainee can fail to show up
        (S.COMPLETED, S.WITHDRAWN),   # completed is final
        (S.WITHDRAWN, S.SELECTED),    # so is withdrawn
        (S.CONFIRMED, S.NOMINATED),   # no way back
    ],
)
def test_moves_off_the_path_are_refused_and_change_nothing(hub_staff, start, target):
    enrolment = EnrolmentFactory(status=start)

    with pytest.raises(ValidationError) as error:
        enrolment_change_status(actor=hub_staff, enrolment=enrolment, to_status=target)

    assert "cannot move from" in error.value.messages[0]
    enrolment.refresh_from_db()
    assert enrolment.status == start
    assert not EnrolmentStatusChange.objects.exists()


@pytest.mark.parametrize("start", [S.NOMINATED, S.SELECTED, S.CONFIRMED, S.ATTENDED])
def test_withdrawal_is_possible_until_completion(hub_staff, start):
    enrolment = enrolment_change_status(actor=hub_staff, enrolment=EnrolmentFactory(status=start),
                                        to_status=S.WITHDRAWN)
    assert enrolment.status == S.WITHDRAWN


def test_a_session_never_confirms_more_trainees_than_its_capacity(hub_staff):
    session = CourseSessionFactory(capacity=2)
    selected = [EnrolmentFactory(session=session, status=S.SELECTED) for _ in range(3)]
    enrolment_change_status(actor=hub_staff, enrolment=selected[0], to_status=S.CONFIRMED)
    enrolment_change_status(actor=hub_staff, enrolment=selected[1], to_status=S.CONFIRMED)

    with pytest.raises(ValidationError) as error:
        enrolment_change_status(actor=hub_staff, enrolment=selected[2], to_status=S.CONFIRMED)

    assert error.value.messages == [f"{session.code} is full: all 2 places are confirmed."]
    assert session.enrolments.filter(status=S.CONFIRMED).count() == 2


def test_a_withdrawal_frees_the_seat(hub_staff):
    session = CourseSessionFactory(capacity=1)
    first = EnrolmentFactory(session=session, status=S.CONFIRMED)
    waiting = EnrolmentFactory(session=session, status=S.SELECTED)
    enrolment_change_status(actor=hub_staff, enrolment=first, to_status=S.WITHDRAWN)

    assert enrolment_change_status(actor=hub_staff, enrolment=waiting, to_status=S.CONFIRMED).status == S.CONFIRMED


def test_attended_and_completed_trainees_keep_their_seat(hub_staff):
    session = CourseSessionFactory(capacity=2)
    EnrolmentFactory(session=session, status=S.ATTENDED)
    EnrolmentFactory(session=session, status=S.COMPLETED)
    with pytest.raises(ValidationError):
        enrolment_change_status(actor=hub_staff, enrolment=EnrolmentFactory(session=session, status=S.SELECTED),
                                to_status=S.CONFIRMED)


def test_one_enrolment_per_trainee_and_session(hub_staff):
    trainee, session = TraineeFactory(), CourseSessionFactory()
    trainee_enroll(actor=hub_staff, trainee=trainee, session=session)

    with pytest.raises(ValidationError) as error:
        trainee_enroll(actor=hub_staff, trainee=trainee, session=session)
    assert "already enrolled" in error.value.messages[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        EnrolmentFactory(trainee=trainee, session=session)
    # The same trainee may take another session.
    trainee_enroll(actor=hub_staff, trainee=trainee, session=CourseSessionFactory())
    assert Enrolment.objects.filter(trainee=trainee).count() == 2


def test_a_closed_session_takes_no_nominations(hub_staff):
    session = CourseSessionFactory(status=SessionStatus.CLOSED)
    with pytest.raises(ValidationError, match="is closed"):
        trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=session)


def test_advance_records_every_step_and_refuses_to_go_back(hub_staff):
    enrolment = trainee_enroll(actor=hub_staff, trainee=TraineeFactory(), session=CourseSessionFactory())
    enrolment = enrolment_advance_to(actor=hub_staff, enrolment=enrolment, to_status=S.CONFIRMED)

    assert enrolment.status_changes.count() == 3
    with pytest.raises(ValidationError):
        enrolment_advance_to(actor=hub_staff, enrolment=enrolment, to_status=S.SELECTED)


def test_session_status_moves_along_its_own_path(hub_staff):
    session = CourseSessionFactory(status=SessionStatus.PLANNED)
    with pytest.raises(ValidationError, match="cannot go from"):
        session_change_status(actor=hub_staff, session=session, to_status=SessionStatus.CLOSED)
    for status in (SessionStatus.OPEN, SessionStatus.RUNNING, SessionStatus.CLOSED):
        session = session_change_status(actor=hub_staff, session=session, to_status=status)
    assert session.status == SessionStatus.CLOSED
