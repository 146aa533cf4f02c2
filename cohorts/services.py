"""Writes on sessions, enrolments, visits and attendance. Views, admin, importers and the demo
seed all go through these functions, so every rule and audit entry lives in one place."""

from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal.audit.services import audit_record, recorded_user
from trainees.models import Trainee

from .models import (
    ENROLMENT_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    FacilityVisit,
    SessionStatus,
    TimetableSlot,
)

SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.PLANNED: frozenset({SessionStatus.OPEN}),
    SessionStatus.OPEN: frozenset({SessionStatus.PLANNED, SessionStatus.RUNNING}),
    SessionStatus.RUNNING: frozenset({SessionStatus.CLOSED}),
    SessionStatus.CLOSED: frozenset({SessionStatus.RUNNING}),
}


def _label(choices, value) -> str:
    return str(choices(value).label)


@transaction.atomic
def session_change_status(*, actor, session: CourseSession, to_status: str) -> CourseSession:
    """Move a session along planned -> open for nominations -> running -> closed.

    Raises ValidationError for a move that is not on that path (a closed session may be reopened
    as running, to correct attendance).
    """
    session = CourseSession.objects.select_for_update().get(pk=session.pk)
    if to_status == session.status:
        return session
    if to_status not in SESSION_TRANSITIONS[session.status]:
        raise ValidationError(
            _("%(session)s cannot go from “%(from)s” to “%(to)s”.")
            % {
                "session": session.code,
                "from": _label(SessionStatus, session.status),
                "to": _label(SessionStatus, to_status),
            }
        )
    previous = session.status
    session.status = to_status
    session.save(update_fields=["status"])
    audit_record(actor=actor, action="session.status", target=session, old=previous, new=to_status)
    return session


def session_check_takes_nominations(session: CourseSession) -> None:
    """Raises ValidationError when the session is closed to new nominations."""
    if session.status == SessionStatus.CLOSED:
        raise ValidationError(_("%(session)s is closed: it takes no more nominations.") % {"session": session.code})


def _record_change(*, enrolment: Enrolment, from_status: str, actor, note: str, at) -> None:
    EnrolmentStatusChange.objects.create(
        enrolment=enrolment,
        from_status=from_status,
        to_status=enrolment.status,
        changed_at=at,
        changed_by=recorded_user(actor),
        note=note,
    )


@transaction.atomic
def trainee_enroll(
    *,
    actor,
    trainee: Trainee,
    session: CourseSession,
    nominated_by: str = "",
    nominating_body_name: str = "",
    note: str = "",
) -> Enrolment:
    """Nominate a trainee for a session.

    Raises ValidationError when the trainee is already enrolled in it or the session is closed.
    """
    session_check_takes_nominations(session)
    if Enrolment.objects.filter(trainee=trainee, session=session).exists():
        raise ValidationError(
            _("%(trainee)s is already enrolled in %(session)s.") % {"trainee": trainee, "session": session.code}
        )
    now = timezone.now()
    enrolment = Enrolment(
        trainee=trainee,
        session=session,
        status=EnrolmentStatus.NOMINATED,
        nominated_by=nominated_by,
        nominating_body_name=nominating_body_name.strip(),
        status_changed_at=now,
    )
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    _record_change(enrolment=enrolment, from_status="", actor=actor, note=note, at=now)
    audit_record(actor=actor, action="enrolment.create", target=enrolment, status=enrolment.status)
    return enrolment


def _seats_taken(session_id: int) -> int:
    return Enrolment.objects.filter(session_id=session_id, status__in=SEAT_HOLDING_STATUSES).count()


@transaction.atomic
def enrolment_change_status(*, actor, enrolment: Enrolment, to_status: str, note: str = "") -> Enrolment:
    """Move an enrolment one step along its path (nominated -> selected -> confirmed -> attended ->
    completed, or to withdrawn / no-show where allowed).

    Raises ValidationError for a move off that path, or a confirmation beyond the session's capacity.
    """
    # Lock the session row first: two staff confirming the last seat at once must not both succeed.
    session = CourseSession.objects.select_for_update().get(pk=enrolment.session_id)
    enrolment = Enrolment.objects.select_for_update().select_related("trainee").get(pk=enrolment.pk)
    if not enrolment.can_move_to(to_status):
        allowed = sorted(_label(EnrolmentStatus, s) for s in ENROLMENT_TRANSITIONS[enrolment.status])
        raise ValidationError(
            _("%(trainee)s cannot move from “%(from)s” to “%(to)s” (possible: %(allowed)s).")
            % {
                "trainee": enrolment.trainee,
                "from": _label(EnrolmentStatus, enrolment.status),
                "to": _label(EnrolmentStatus, to_status),
                "allowed": ", ".join(allowed) or _("none, this status is final"),
            }
        )
    takes_a_seat = to_status in SEAT_HOLDING_STATUSES and enrolment.status not in SEAT_HOLDING_STATUSES
    if takes_a_seat and _seats_taken(session.pk) >= session.capacity:
        raise ValidationError(
            _("%(session)s is full: all %(capacity)s places are confirmed.")
            % {"session": session.code, "capacity": session.capacity}
        )
    previous = enrolment.status
    now = timezone.now()
    enrolment.status = to_status
    enrolment.status_changed_at = now
    enrolment.save(update_fields=["status", "status_changed_at"])
    _record_change(enrolment=enrolment, from_status=previous, actor=actor, note=note, at=now)
    audit_record(actor=actor, action="enrolment.status", target=enrolment, old=previous, new=to_status)
    return enrolment


@transaction.atomic
def enrolment_advance_to(*, actor, enrolment: Enrolment, to_status: str) -> Enrolment:
    """Walk an enrolment along the main path up to a later status, one recorded step at a time.

    Raises ValidationError when the target is not ahead of the current status on the main path.
    """
    path = [
        EnrolmentStatus.NOMINATED,
        EnrolmentStatus.SELECTED,
        EnrolmentStatus.CONFIRMED,
        EnrolmentStatus.ATTENDED,
        EnrolmentStatus.COMPLETED,
    ]
    if enrolment.status not in path or to_status not in path or path.index(to_status) < path.index(enrolment.status):
        raise ValidationError(
            _("Cannot advance from “%(from)s” to “%(to)s”.")
            % {"from": _label(EnrolmentStatus, enrolment.status), "to": _label(EnrolmentStatus, to_status)}
        )
    for step in path[path.index(enrolment.status) + 1 : path.index(to_status) + 1]:
        enrolment = enrolment_change_status(actor=actor, enrolment=enrolment, to_status=step)
    return enrolment


def facility_visit_participant_problems(
    *, session_id: int, capacity: int, enrolments: Iterable[Enrolment]
) -> list[str]:
    """What stops these enrolments from all taking part in a visit of that session and capacity."""
    enrolments = list(enrolments)
    problems = []
    for enrolment in enrolments:
        if enrolment.session_id != session_id:
            problems.append(_("%(enrolment)s is not in this visit's session.") % {"enrolment": enrolment})
        elif enrolment.status in (EnrolmentStatus.WITHDRAWN, EnrolmentStatus.NO_SHOW):
            problems.append(
                _("%(trainee)s has status “%(status)s”.")
                % {"trainee": enrolment.trainee, "status": enrolment.get_status_display()}
            )
    if len(enrolments) > capacity:
        problems.append(
            _("The visit takes %(capacity)s people; %(count)s were chosen.")
            % {"capacity": capacity, "count": len(enrolments)}
        )
    return problems


@transaction.atomic
def facility_visit_set_participants(*, actor, visit: FacilityVisit, enrolments: Iterable[Enrolment]) -> FacilityVisit:
    """Make exactly these enrolments the visit's participants.

    Raises ValidationError, changing nothing, when an enrolment belongs to another session, has
    withdrawn or not shown up, or when there are more of them than the visit's capacity.
    """
    visit = FacilityVisit.objects.select_for_update().get(pk=visit.pk)
    enrolments = list(enrolments)
    problems = facility_visit_participant_problems(
        session_id=visit.session_id, capacity=visit.capacity, enrolments=enrolments
    )
    if problems:
        raise ValidationError(problems)
    before = set(visit.participants.values_list("pk", flat=True))
    after = {e.pk for e in enrolments}
    if before != after:
        visit.participants.set(enrolments)
        audit_record(
            actor=actor,
            action="visit.participants",
            target=visit,
            added=sorted(after - before),
            removed=sorted(before - after),
        )
    return visit


@transaction.atomic
def attendance_mark(
    *,
    actor,
    statuses: Mapping[int, str],
    slot: TimetableSlot | None = None,
    visit: FacilityVisit | None = None,
) -> dict[str, int]:
    """Record attendance at one slot or one visit: `statuses` maps enrolment ids to a status.

    Creates or updates one record per enrolment in a constant number of queries and returns the
    counts {"created": n, "updated": n, "unchanged": n}. Raises ValidationError, writing nothing,
    when neither or both of slot and visit are given, a status is unknown, an enrolment is not in
    the session, or a visit is marked for someone who does not take part in it.
    """
    if (slot is None) == (visit is None):
        raise ValidationError(_("Mark attendance for one timetable slot or one visit."))
    occasion = slot or visit
    valid = set(AttendanceStatus.values)
    problems = [
        _("“%(status)s” is not an attendance status (use %(valid)s).")
        % {"status": status, "valid": ", ".join(sorted(valid))}
        for status in set(statuses.values()) - valid
    ]
    enrolment_ids = set(statuses)
    in_session = set(
        Enrolment.objects.filter(pk__in=enrolment_ids, session_id=occasion.session_id).values_list("pk", flat=True)
    )
    problems += [
        _("Enrolment %(id)s is not in session %(session)s.") % {"id": eid, "session": occasion.session.code}
        for eid in sorted(enrolment_ids - in_session)
    ]
    if visit is not None:
        taking_part = set(visit.participants.filter(pk__in=enrolment_ids).values_list("pk", flat=True))
        problems += [
            _("Enrolment %(id)s does not take part in this visit.") % {"id": eid}
            for eid in sorted(in_session - taking_part)
        ]
    if problems:
        raise ValidationError(problems)

    now = timezone.now()
    marker = recorded_user(actor)
    lookup = {"slot": slot} if slot is not None else {"visit": visit}
    existing = {r.enrolment_id: r for r in AttendanceRecord.objects.filter(enrolment_id__in=enrolment_ids, **lookup)}
    to_create, to_update = [], []
    for enrolment_id, status in statuses.items():
        record = existing.get(enrolment_id)
        if record is None:
            to_create.append(
                AttendanceRecord(enrolment_id=enrolment_id, status=status, marked_by=marker, marked_at=now, **lookup)
            )
        elif record.status != status:
            record.status, record.marked_by, record.marked_at = status, marker, now
            to_update.append(record)
    AttendanceRecord.objects.bulk_create(to_create, batch_size=1000)
    AttendanceRecord.objects.bulk_update(to_update, ["status", "marked_by", "marked_at"], batch_size=1000)
    counts = {
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": len(statuses) - len(to_create) - len(to_update),
    }
    if to_create or to_update:
        audit_record(actor=actor, action="attendance.mark", target=occasion, **counts)
    return counts
