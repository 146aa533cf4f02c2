"""Writes on sessions, enrolments, visits and attendance. Views, admin, importers and the demo
seed all go through these functions, so every rule and audit entry lives in one place."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record, model_create, model_delete, model_update, recorded_user
from hubportal.importing import Action, bulk_update_rows
from hubportal.outbox.services import email_queue
from trainees.models import Trainee

from .attachments import attachment_check
from .models import (
    ATTENDED_STATUSES,
    ENROLMENT_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    Announcement,
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    ExcuseRequest,
    ExcuseStatus,
    FacilityVisit,
    SessionStatus,
    TimetableSlot,
    VisitWaitlistEntry,
    absences_allowed,
    enrolment_steps,
    seats_change,
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

    Raises PermissionDenied unless the actor is hub staff, ValidationError for a move that is not
    on that path (a closed session may be reopened as running, to correct attendance).
    """
    access.require(actor, access.Action.CHANGE, session)
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


def session_check_takes_imports(session: CourseSession) -> None:
    """Raises ValidationError when the session is closed: an import may neither nominate nor mark
    attendance in it. The same check as session_check_takes_nominations, worded for a file."""
    try:
        session_check_takes_nominations(session)
    except ValidationError:
        raise ValidationError(_("%(session)s is closed; reopen it (running) before importing into it.") % {
            "session": session.code}) from None


def _status_change(*, enrolment: Enrolment, from_status: str, to_status: str, actor, note: str,
                   at) -> EnrolmentStatusChange:
    """The history row of one step of an enrolment, unsaved: single moves save it, imports bulk-create it."""
    return EnrolmentStatusChange(
        enrolment=enrolment,
        from_status=from_status,
        to_status=to_status,
        changed_at=at,
        changed_by=recorded_user(actor),
        note=note[:255],
    )


def _record_change(*, enrolment: Enrolment, from_status: str, actor, note: str, at) -> None:
    _status_change(enrolment=enrolment, from_status=from_status, to_status=enrolment.status, actor=actor,
                   note=note, at=at).save()


def _new_enrolment(*, trainee: Trainee, session: CourseSession, nominated_by: str, nominating_body_name: str,
                   at) -> Enrolment:
    """A nomination, unsaved: every enrolment starts nominated."""
    return Enrolment(
        trainee=trainee,
        session=session,
        status=EnrolmentStatus.NOMINATED,
        nominated_by=nominated_by,
        nominating_body_name=nominating_body_name.strip(),
        status_changed_at=at,
    )


def enrolment_move_refusal(*, trainee: Trainee, from_status: str, to_status: str) -> str:
    """The reason a move off the enrolment path is refused, worded once for every door."""
    return _("%(trainee)s cannot move from “%(from)s” to “%(to)s”.") % {
        "trainee": trainee, "from": _label(EnrolmentStatus, from_status), "to": _label(EnrolmentStatus, to_status)}


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

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), ValidationError when the trainee is already enrolled in it or the session
    is closed.
    """
    access.require_session(actor, access.Action.ADD, session)
    session_check_takes_nominations(session)
    if Enrolment.objects.filter(trainee=trainee, session=session).exists():
        raise ValidationError(
            _("%(trainee)s is already enrolled in %(session)s.") % {"trainee": trainee, "session": session.code}
        )
    now = timezone.now()
    enrolment = _new_enrolment(trainee=trainee, session=session, nominated_by=nominated_by,
                               nominating_body_name=nominating_body_name, at=now)
    enrolment.full_clean(validate_constraints=False)
    enrolment.save()
    _record_change(enrolment=enrolment, from_status="", actor=actor, note=note, at=now)
    audit_record(actor=actor, action="enrolment.create", target=enrolment, status=enrolment.status)
    return enrolment


def _seats_taken(session_id: int) -> int:
    return Enrolment.objects.filter(session_id=session_id, status__in=SEAT_HOLDING_STATUSES).count()


def _beyond_capacity(session: CourseSession, *, taking: int, held_after: int) -> bool:
    """The capacity rule: moves that take seats may not leave more seats held than the session has.
    Moves that take none (a nomination, a withdrawal) are never refused for it."""
    return taking > 0 and held_after > session.capacity


@transaction.atomic
def enrolment_change_status(*, actor, enrolment: Enrolment, to_status: str, note: str = "") -> Enrolment:
    """Move an enrolment one step along its path (nominated -> selected -> confirmed -> attended ->
    completed, or to withdrawn / no-show where allowed).

    Raises PermissionDenied unless the enrolment is the actor's (hub staff: every one; a coordinator:
    their sessions'), ValidationError for a move off that path, or a confirmation beyond the
    session's capacity.
    """
    access.require(actor, access.Action.CHANGE, enrolment)
    # Lock the session row first: two staff confirming the last seat at once must not both succeed.
    session = CourseSession.objects.select_for_update().get(pk=enrolment.session_id)
    enrolment = Enrolment.objects.select_for_update().select_related("trainee").get(pk=enrolment.pk)
    if not enrolment.can_move_to(to_status):
        allowed = sorted(_label(EnrolmentStatus, s) for s in ENROLMENT_TRANSITIONS[enrolment.status])
        raise ValidationError([
            enrolment_move_refusal(trainee=enrolment.trainee, from_status=enrolment.status, to_status=to_status),
            _("Possible: %(allowed)s.") % {"allowed": ", ".join(allowed) or _("none, this status is final")},
        ])
    taking = seats_change(enrolment.status, to_status)
    if taking > 0 and _beyond_capacity(session, taking=taking, held_after=_seats_taken(session.pk) + taking):
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
    """Take an enrolment to a status as an import does: walking forward along the main path one
    recorded step at a time, or by one allowed move (withdrawn, no-show); nothing when it is there.

    Raises PermissionDenied unless the enrolment is the actor's (as enrolment_change_status),
    ValidationError when the status cannot be reached from the current one (a move back, out of a
    final status), or a step would confirm beyond the session's capacity.
    """
    access.require(actor, access.Action.CHANGE, enrolment)
    steps = enrolment_steps(enrolment.status, to_status)
    if steps is None:
        raise ValidationError(
            enrolment_move_refusal(trainee=enrolment.trainee, from_status=enrolment.status, to_status=to_status))
    for step in steps:
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

    Raises PermissionDenied unless the visit is the actor's (hub staff: every one; a coordinator:
    their sessions'), ValidationError, changing nothing, when an enrolment belongs to another
    session, has withdrawn or not shown up, or when there are more of them than the visit's capacity.
    """
    access.require(actor, access.Action.CHANGE, visit)
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
        # Someone made a participant is no longer waiting for a place.
        VisitWaitlistEntry.objects.filter(visit=visit, enrolment__in=after - before).delete()
        audit_record(
            actor=actor,
            action="visit.participants",
            target=visit,
            added=sorted(after - before),
            removed=sorted(before - after),
        )
    return visit


def _attendance_problems(marks, *, session_of: Mapping[int, int], taking_part: Mapping[int, set]) -> list[str]:
    """What stops attendance marks (enrolment id, slot, visit, status) from being recorded: a status
    that is not one, an enrolment outside the slot's or visit's session, a visit the trainee does not
    take part in. `session_of` gives each enrolment's session, `taking_part` each visit's participants."""
    valid = set(AttendanceStatus.values)
    problems = [
        _("“%(status)s” is not an attendance status (use %(valid)s).")
        % {"status": status, "valid": ", ".join(sorted(valid))}
        for status in {status for _e, _s, _v, status in marks} - valid
    ]
    outside, absent = {}, set()
    for enrolment_id, slot, visit, _status in marks:
        occasion = slot or visit
        if session_of.get(enrolment_id) != occasion.session_id:
            outside.setdefault(enrolment_id, occasion)
        elif visit is not None and enrolment_id not in taking_part.get(visit.pk, ()):
            absent.add(enrolment_id)
    problems += [
        _("Enrolment %(id)s is not in session %(session)s.") % {"id": eid, "session": outside[eid].session.code}
        for eid in sorted(outside)
    ]
    problems += [_("Enrolment %(id)s does not take part in this visit.") % {"id": eid} for eid in sorted(absent)]
    return problems


def _attendance_upsert(marks, existing: Iterable[AttendanceRecord], *, actor, at,
                       source: str = AttendanceSource.ADMIN):
    """Attendance as it is marked, by attendance_mark and imports alike: each mark (enrolment id,
    slot, visit, status) creates the trainee's record for that slot or visit, or updates it (the
    status, who marked it and when) when its status differs, or leaves it as it is. `existing` holds
    the stored records the marks may meet.

    Returns the records to create, those to update, and for each mark (action, the status it had).
    """
    stored = {(r.enrolment_id, r.slot_id, r.visit_id): r for r in existing}
    marker = recorded_user(actor)
    to_create, to_update, outcomes = [], [], []
    for enrolment_id, slot, visit, status in marks:
        record = stored.get((enrolment_id, slot.pk if slot else None, visit.pk if visit else None))
        if record is None:
            to_create.append(AttendanceRecord(enrolment_id=enrolment_id, slot=slot, visit=visit, status=status,
                                              marked_by=marker, marked_at=at, source=source, taken_at=at,
                                              received_at=at))
            outcomes.append((Action.CREATE, None))
        elif record.status != status:
            outcomes.append((Action.UPDATE, record.status))
            record.status, record.marked_by, record.marked_at = status, marker, at
            record.source, record.taken_at, record.received_at, record.client_id = source, at, at, ""
            to_update.append(record)
        else:
            outcomes.append((Action.UNCHANGED, status))
    return to_create, to_update, outcomes


def _attendance_write(to_create: list[AttendanceRecord], to_update: list[AttendanceRecord]) -> None:
    AttendanceRecord.objects.bulk_create(to_create)
    bulk_update_rows(AttendanceRecord, to_update, ["status", "marked_by", "marked_at", *_PROVENANCE])


_PROVENANCE = ["source", "taken_at", "received_at", "client_id"]


@transaction.atomic
def attendance_mark(
    *,
    actor,
    statuses: Mapping[int, str],
    slot: TimetableSlot | None = None,
    visit: FacilityVisit | None = None,
    source: str = AttendanceSource.ADMIN,
) -> dict[str, int]:
    """Record attendance at one slot or one visit: `statuses` maps enrolment ids to a status, taken
    now, by `source` (the admin, an excuse, the demo seed...).

    Creates or updates one record per enrolment in a constant number of queries and returns the
    counts {"created": n, "updated": n, "unchanged": n}. Raises PermissionDenied unless the slot's
    or visit's session is the actor's (hub staff: every session; a coordinator: theirs), and
    ValidationError, writing nothing, when neither or both of slot and visit are given, a status is
    unknown, an enrolment is not in the session, or a visit is marked for someone who does not take
    part in it.
    """
    if (slot is None) == (visit is None):
        raise ValidationError(_("Mark attendance for one timetable slot or one visit."))
    occasion = slot or visit
    access.require_session(actor, access.Action.CHANGE, occasion.session_id)
    enrolment_ids = set(statuses)
    marks = [(enrolment_id, slot, visit, status) for enrolment_id, status in statuses.items()]
    problems = _attendance_problems(
        marks,
        session_of=dict(Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "session_id")),
        taking_part={visit.pk: set(visit.participants.filter(pk__in=enrolment_ids).values_list("pk", flat=True))}
        if visit is not None else {},
    )
    if problems:
        raise ValidationError(problems)

    lookup = {"slot": slot} if slot is not None else {"visit": visit}
    existing = AttendanceRecord.objects.filter(enrolment_id__in=enrolment_ids, **lookup)
    to_create, to_update, outcomes = _attendance_upsert(marks, existing, actor=actor, at=timezone.now(),
                                                        source=source)
    changed = {enrolment_id: [old, status] for (enrolment_id, _s, _v, status), (action, old) in zip(marks, outcomes)
               if action != Action.UNCHANGED}
    _attendance_write(to_create, to_update)
    counts = {
        "created": len(to_create),
        "updated": len(to_update),
        "unchanged": len(statuses) - len(to_create) - len(to_update),
    }
    if to_create or to_update:
        # Each enrolment's status before and after: who was marked absent, and who changed it.
        audit_record(actor=actor, action="attendance.mark", target=occasion, **counts, statuses=changed,
                     source=source)
    _warn_after({enrolment_id: change[1] for enrolment_id, change in changed.items()})
    return counts


# --- Roll call and check-in: marks taken one tap at a time, online or queued offline --------------


@dataclass(frozen=True)
class TakenMark:
    """One mark as a roll call takes it: whose, what, when it was taken (the phone's clock), the id
    the browser gave it, and whether it only fills a gap ("everyone not yet marked: present")."""

    enrolment_id: int
    status: str
    taken_at: datetime
    client_id: str = ""
    only_if_unmarked: bool = False


def _supersedes(mark: TakenMark, record: AttendanceRecord) -> bool:
    """Whether a mark replaces a stored record: it is not that very mark sent again, it does not only
    fill gaps, and it was taken no earlier (an offline mark arriving late never overwrites a newer one)."""
    if mark.only_if_unmarked or (mark.client_id and mark.client_id == record.client_id):
        return False
    return record.taken_at is None or mark.taken_at >= record.taken_at


@transaction.atomic
def attendance_take(
    *,
    actor,
    marks: Sequence[TakenMark],
    slot: TimetableSlot | None = None,
    visit: FacilityVisit | None = None,
    source: str = AttendanceSource.ROLL_CALL,
) -> dict[int, AttendanceRecord]:
    """Record marks a roll call took at one slot or visit, as they arrive (at once, or queued offline
    and sent later): each creates the trainee's record, or replaces it when taken after the stored
    one. A mark stored already (its client id) or taken before the stored one changes nothing. In a
    constant number of queries; returns each enrolment's record as stored afterwards.

    Two people marking the same slot at once lose nothing: the records are locked, and one created
    meanwhile by another request is met (ON CONFLICT DO NOTHING, then compared), never duplicated.
    A time taken in the future (a phone's clock running fast) counts as the time received.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), ValidationError, writing nothing, as attendance_mark does.
    """
    if (slot is None) == (visit is None):
        raise ValidationError(_("Mark attendance for one timetable slot or one visit."))
    occasion = slot or visit
    access.require_session(actor, access.Action.CHANGE, occasion.session_id)
    enrolment_ids = {mark.enrolment_id for mark in marks}
    problems = _attendance_problems(
        [(mark.enrolment_id, slot, visit, mark.status) for mark in marks],
        session_of=dict(Enrolment.objects.filter(pk__in=enrolment_ids).values_list("pk", "session_id")),
        taking_part={visit.pk: set(visit.participants.filter(pk__in=enrolment_ids).values_list("pk", flat=True))}
        if visit is not None else {},
    )
    if problems:
        raise ValidationError(problems)
    now, marker = timezone.now(), recorded_user(actor)
    marks = [mark if mark.taken_at <= now else TakenMark(mark.enrolment_id, mark.status, now, mark.client_id,
                                                       mark.only_if_unmarked) for mark in marks]
    lookup = {"slot": slot} if slot is not None else {"visit": visit}
    records = AttendanceRecord.objects.select_for_update().filter(enrolment_id__in=enrolment_ids, **lookup)
    stored = {record.enrolment_id: record for record in records}
    before = {enrolment_id: record.status for enrolment_id, record in stored.items()}

    def fresh(mark: TakenMark) -> AttendanceRecord:
        return AttendanceRecord(enrolment_id=mark.enrolment_id, **lookup, status=mark.status, marked_by=marker,
                                marked_at=now, source=source, taken_at=mark.taken_at, received_at=now,
                                client_id=mark.client_id)

    def apply(mark: TakenMark, record: AttendanceRecord) -> bool:
        if not _supersedes(mark, record):
            return False
        record.status, record.marked_by, record.marked_at, record.source = mark.status, marker, now, source
        record.taken_at, record.received_at, record.client_id = mark.taken_at, now, mark.client_id
        return True

    new: dict[int, AttendanceRecord] = {}
    pending: list[TakenMark] = []  # marks met by a record: applied once every record is known
    for mark in marks:
        if mark.enrolment_id in stored:
            pending.append(mark)
        elif mark.enrolment_id in new:
            candidate = new[mark.enrolment_id]
            if not mark.only_if_unmarked and mark.taken_at >= candidate.taken_at:
                new[mark.enrolment_id] = fresh(mark)
        else:
            new[mark.enrolment_id] = fresh(mark)
    created = set()
    if new:
        AttendanceRecord.objects.bulk_create(new.values(), ignore_conflicts=True)
        for record in AttendanceRecord.objects.select_for_update().filter(enrolment_id__in=new, **lookup):
            mine = new[record.enrolment_id]
            if (record.received_at, record.client_id, record.status) == (now, mine.client_id, mine.status):
                created.add(record.enrolment_id)
            else:  # another request created it first: this mark meets it as any stored record
                before[record.enrolment_id] = record.status
                pending.append(TakenMark(mine.enrolment_id, mine.status, mine.taken_at, mine.client_id))
            stored[record.enrolment_id] = record
    updated = {mark.enrolment_id for mark in pending if apply(mark, stored[mark.enrolment_id])}
    bulk_update_rows(AttendanceRecord, [stored[enrolment_id] for enrolment_id in updated],
                     ["status", "marked_by", "marked_at", *_PROVENANCE])
    changed = {enrolment_id: [before.get(enrolment_id), stored[enrolment_id].status,
                              stored[enrolment_id].taken_at.isoformat(), stored[enrolment_id].client_id]
               for enrolment_id in sorted(created | updated)
               if before.get(enrolment_id) != stored[enrolment_id].status}
    if changed:
        # Each mark's status before and after, when it was taken and by which browser's mark.
        audit_record(actor=actor, action="attendance.take", target=occasion, source=source,
                     created=len(created), updated=len(updated), statuses=changed)
    _warn_after({enrolment_id: change[1] for enrolment_id, change in changed.items()})
    return stored


class CheckInRefused(Exception):
    """A check-in that writes nothing; its message is the trainee's to read."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


# A QR code may be shown, and scanned, from a little before the slot starts until it ends.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)
# How long check-in stays open once staff open it by hand (a slot that starts late, or moved on the day).
CHECK_IN_OPEN_BY_HAND = timedelta(minutes=30)


def slot_times(slot: TimetableSlot) -> tuple[datetime, datetime]:
    """When a slot starts and ends, in the hub's time zone."""
    zone = timezone.get_default_timezone()
    return (datetime.combine(slot.date, slot.start_time, tzinfo=zone),
            datetime.combine(slot.date, slot.end_time, tzinfo=zone))


@dataclass(frozen=True)
class CheckInWindow:
    """When a slot takes check-ins, and from when a check-in counts as late."""

    opens: datetime
    closes: datetime
    late_after: datetime
    by_hand: bool


def slot_check_in_window(slot: TimetableSlot, at: datetime | None = None) -> CheckInWindow:
    """The window open at `at` (now): the one staff opened by hand while it lasts, else the timetable's
    (from CHECK_IN_OPENS_BEFORE the start until the end), lateness counted after the grace minutes."""
    at = at or timezone.now()
    grace = timedelta(minutes=slot.session.grace_minutes)
    opened = slot.check_in_opened_at
    if opened is not None and opened <= at <= opened + CHECK_IN_OPEN_BY_HAND:
        return CheckInWindow(opened, opened + CHECK_IN_OPEN_BY_HAND, opened + grace, by_hand=True)
    starts, ends = slot_times(slot)
    return CheckInWindow(starts - CHECK_IN_OPENS_BEFORE, ends, starts + grace, by_hand=False)


@transaction.atomic
def slot_check_in_open(*, actor, slot: TimetableSlot, at: datetime | None = None) -> CheckInWindow:
    """Staff or the session's coordinator open check-in now for CHECK_IN_OPEN_BY_HAND, whatever the
    timetable says; lateness counts from then. Raises PermissionDenied for anyone else."""
    access.require_session(actor, access.Action.CHANGE, slot.session_id)
    slot.check_in_opened_at = at or timezone.now()
    slot.save(update_fields=["check_in_opened_at"])
    audit_record(actor=actor, action="attendance.check_in_open", target=slot,
                 opened_at=slot.check_in_opened_at.isoformat())
    return slot_check_in_window(slot, slot.check_in_opened_at)


def attendance_check_in_check(*, actor, slot: TimetableSlot, at: datetime | None = None) -> Enrolment:
    """What attendance_check_in checks before it writes, for the page that asks to confirm: the
    actor's enrolment, or CheckInRefused (not enrolled, not on now, marked already)."""
    at = at or timezone.now()
    enrolment = Enrolment.objects.filter(session_id=slot.session_id, trainee__user=actor,
                                         status__in=SEAT_HOLDING_STATUSES).first() if actor else None
    if enrolment is None or not access.can(actor, access.Action.CHECK_IN, enrolment):
        raise CheckInRefused(_("You are not enrolled in this session, so you cannot check in to it."),
                             "not_enrolled")
    window = slot_check_in_window(slot, at)
    if not (window.opens <= at <= window.closes):
        raise CheckInRefused(_("Check-in for this slot is open from %(opens)s to %(closes)s only.") % {
            "opens": timezone.localtime(window.opens).strftime("%H:%M"),
            "closes": timezone.localtime(window.closes).strftime("%H:%M")}, "not_now")
    if AttendanceRecord.objects.filter(enrolment=enrolment, slot=slot).exists():
        raise CheckInRefused(_("Your attendance at this slot is recorded already."), "already_marked")
    return enrolment


@transaction.atomic
def attendance_check_in(*, actor, slot: TimetableSlot, at: datetime | None = None) -> AttendanceRecord:
    """A trainee marks themselves at a slot by its QR code or its six-character code: present, or
    late once the session's grace minutes after the start have passed.

    Raises CheckInRefused, writing nothing, when the actor is not enrolled in the slot's session, is
    marked already (by a roll call, or a second tap: the unique constraint decides a race), or the
    slot is not on now.
    """
    at = at or timezone.now()
    enrolment = attendance_check_in_check(actor=actor, slot=slot, at=at)
    late = at > slot_check_in_window(slot, at).late_after
    record = AttendanceRecord(enrolment=enrolment, slot=slot, status=AttendanceStatus.LATE if late
                              else AttendanceStatus.PRESENT, marked_by=recorded_user(actor), marked_at=at,
                              source=AttendanceSource.QR, taken_at=at, received_at=at)
    try:
        with transaction.atomic():  # a savepoint: the constraint, not a check, decides two taps at once
            record.save(force_insert=True)
    except IntegrityError:
        raise CheckInRefused(_("Your attendance at this slot is recorded already."), "already_marked") from None
    audit_record(actor=actor, action="attendance.check_in", target=slot, enrolment=enrolment.pk,
                 status=record.status)
    _warn_after({enrolment.pk: record.status})
    return record


# --- Bulk writes: what the importers write, under the rules of the services above -----------------
#
# The importers read and clean a file's cells and report problems by row and column; these write the
# rows. They call the rule functions the single-row services call (enrolment_steps, seats_change and
# _beyond_capacity, session_check_takes_imports, _new_enrolment, _status_change, _attendance_problems
# and _attendance_upsert), in a constant number of queries whatever the rows, with one audit entry.


@dataclass
class BulkRow:
    """What a bulk write did (or, in a dry run, would do) with one of the rows it was given."""

    key: object  # the caller's handle on the row: an importer's row number
    action: str  # hubportal.importing.Action
    obj: object  # the enrolment, or the AttendanceMark
    changes: dict[str, tuple] = field(default_factory=dict)  # {field: (stored value, new value)}


@dataclass
class BulkProblem:
    key: object  # the row's key; None for the whole file
    field_name: str  # the field of the row it is about; "" for the whole row
    message: str


@dataclass
class BulkResult:
    """The rows of a bulk write and its problems. With any problem, nothing was written."""

    rows: list[BulkRow] = field(default_factory=list)
    problems: list[BulkProblem] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


@dataclass
class EnrolmentImportRow:
    """One row of an enrolment import, its cells cleaned."""

    key: object
    trainee: Trainee
    status: str | None = None  # the EnrolmentStatus to take the enrolment to; None leaves it
    nominated_by: str | None = None  # a NominatingBody; None leaves it
    nominating_body_name: str | None = None


@transaction.atomic
def enrolments_import_rows(
    *, actor, session: CourseSession, rows: Sequence[EnrolmentImportRow], dry_run: bool = False, file_name: str = ""
) -> BulkResult:
    """Enrol trainees in a session (nominated), take their enrolments to the status each row gives
    as enrolment_advance_to would, each step in the history, and set who nominated them.

    Problems, returned with nothing written: a closed session; a status the enrolment cannot reach
    from its own; more seats held than the session's capacity, also when confirmations elsewhere fill
    it while this is written. With `dry_run`, nothing is written either.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), checked once for the whole file.
    """
    access.require_session(actor, access.Action.IMPORT, session)
    result = BulkResult()
    try:
        session_check_takes_imports(session)
    except ValidationError as error:
        result.problems += [BulkProblem(None, "", message) for message in error.messages]
        return result
    existing = {e.trainee_id: e
                for e in Enrolment.objects.filter(session=session, trainee__in=[row.trainee for row in rows])}
    now = timezone.now()
    held, taking = _seats_taken(session.pk), 0
    to_create, to_update, walked = [], [], []
    for row in rows:
        enrolment = existing.get(row.trainee.pk)
        if enrolment is None:
            enrolment = _new_enrolment(trainee=row.trainee, session=session, nominated_by=row.nominated_by or "",
                                       nominating_body_name=row.nominating_body_name or "", at=now)
            start, steps, action = "", [EnrolmentStatus.NOMINATED], Action.CREATE
        else:
            start, steps, action = enrolment.status, [], Action.UNCHANGED
        current = enrolment.status
        changes = {}
        if row.status and row.status != current:
            walk = enrolment_steps(current, row.status)
            if walk is None:
                result.problems.append(BulkProblem(row.key, "status", enrolment_move_refusal(
                    trainee=row.trainee, from_status=current, to_status=row.status)))
                continue
            steps += walk
            changes["status"] = (current, row.status)
            seats = seats_change(current, row.status)
            held, taking = held + seats, taking + max(seats, 0)
            enrolment.status, enrolment.status_changed_at = row.status, now
        if action == Action.UNCHANGED:
            for name in ("nominated_by", "nominating_body_name"):
                value = getattr(row, name)
                if value and value != getattr(enrolment, name):
                    changes[name] = (getattr(enrolment, name), value)
                    setattr(enrolment, name, value)
            if changes:
                action = Action.UPDATE
                to_update.append(enrolment)
        else:
            to_create.append(enrolment)
        walked.append((enrolment, start, steps))
        result.rows.append(BulkRow(row.key, action, enrolment, changes))
    if _beyond_capacity(session, taking=taking, held_after=held):
        result.problems.append(BulkProblem(None, "", _(
            "%(session)s has %(capacity)s places; after this file %(seats)s trainees would hold one (confirmed, "
            "attended or completed).") % {"session": session.code, "capacity": session.capacity, "seats": held}))
    if result.problems or dry_run:
        return result
    # Locked so that a confirmation in the admin cannot take a seat this import counted as free.
    locked = CourseSession.objects.select_for_update().get(pk=session.pk)
    Enrolment.objects.bulk_create(to_create)
    bulk_update_rows(Enrolment, to_update, ["status", "status_changed_at", "nominated_by", "nominating_body_name"])
    note = _("import %(file)s") % {"file": file_name}
    EnrolmentStatusChange.objects.bulk_create(
        _status_change(enrolment=enrolment, from_status=before, to_status=after, actor=actor, note=note, at=now)
        for enrolment, start, steps in walked
        for before, after in zip([start, *steps[:-1]], steps)
    )
    held = _seats_taken(locked.pk)
    if _beyond_capacity(locked, taking=taking, held_after=held):
        transaction.set_rollback(True)
        result.problems.append(BulkProblem(None, "", _(
            "%(session)s filled up while this file was being imported (%(taken)s of %(capacity)s places "
            "would be taken); nothing was written.") % {
            "session": session.code, "taken": held, "capacity": locked.capacity}))
        return result
    audit_record(actor=actor, action="enrolments.import", target=session, file=file_name,
                 created=result.count(Action.CREATE), updated=result.count(Action.UPDATE),
                 unchanged=result.count(Action.UNCHANGED))
    return result


@transaction.atomic
def enrolments_nominate_many(
    *, actor, session: CourseSession, trainees: Iterable[Trainee], file_name: str = ""
) -> list[Enrolment]:
    """Nominate for a session those of these trainees not enrolled in it yet, as trainee_enroll
    does one; returns the new enrolments.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), checked once for all of them, and ValidationError, writing nothing, when
    the session is closed.
    """
    access.require_session(actor, access.Action.IMPORT, session)
    session_check_takes_imports(session)
    trainees = list(trainees)
    enrolled = set(Enrolment.objects.filter(session=session, trainee__in=trainees).values_list("trainee_id", flat=True))
    now = timezone.now()
    new = [_new_enrolment(trainee=trainee, session=session, nominated_by="", nominating_body_name="", at=now)
           for trainee in trainees if trainee.pk not in enrolled]
    Enrolment.objects.bulk_create(new)
    note = _("import %(file)s") % {"file": file_name}
    EnrolmentStatusChange.objects.bulk_create(
        _status_change(enrolment=enrolment, from_status="", to_status=enrolment.status, actor=actor, note=note, at=now)
        for enrolment in new
    )
    if new:
        audit_record(actor=actor, action="enrolments.import", target=session, file=file_name, created=len(new))
    return new


@dataclass
class AttendanceMark:
    """A trainee's attendance at one timetable slot or one visit, as a row of an import gives it."""

    key: object
    enrolment: Enrolment
    status: str
    slot: TimetableSlot | None = None
    visit: FacilityVisit | None = None


@transaction.atomic
def attendance_mark_many(
    *, actor, session: CourseSession, marks: Sequence[AttendanceMark], dry_run: bool = False, file_name: str = ""
) -> BulkResult:
    """Record attendance at many slots and visits of a session at once, as attendance_mark does at
    one: each trainee's record for a slot or visit is created, or updated when its status differs.

    Problems, returned with nothing written: those attendance_mark refuses (a status that is not
    one, an enrolment of another session, a visit the trainee does not take part in). With
    `dry_run`, nothing is written either.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), checked once for the whole file; the marks' enrolments, slots and visits
    must be of that session (a problem otherwise).
    """
    # Once for the session and each other session the marks' slots and visits name: no query.
    for session_id in {session.pk} | {(mark.slot or mark.visit).session_id for mark in marks}:
        access.require_session(actor, access.Action.IMPORT, session_id)
    result = BulkResult()
    triples = [(mark.enrolment.pk, mark.slot, mark.visit, mark.status) for mark in marks]
    visit_ids = {mark.visit.pk for mark in marks if mark.visit is not None}
    taking_part: dict[int, set] = {}
    if visit_ids:
        for visit_id, enrolment_id in FacilityVisit.participants.through.objects.filter(
                facilityvisit_id__in=visit_ids).values_list("facilityvisit_id", "enrolment_id"):
            taking_part.setdefault(visit_id, set()).add(enrolment_id)
    problems = _attendance_problems(triples, session_of={m.enrolment.pk: m.enrolment.session_id for m in marks},
                                    taking_part=taking_part)
    if problems:
        result.problems = [BulkProblem(None, "", message) for message in problems]
        return result
    existing = AttendanceRecord.objects.filter(enrolment__session=session)
    to_create, to_update, outcomes = _attendance_upsert(triples, existing, actor=actor, at=timezone.now(),
                                                        source=AttendanceSource.IMPORT)
    result.rows = [
        BulkRow(mark.key, action, mark, {"status": (old, mark.status)} if action == Action.UPDATE else {})
        for mark, (action, old) in zip(marks, outcomes)
    ]
    if dry_run:
        return result
    _attendance_write(to_create, to_update)
    audit_record(actor=actor, action="attendance.import", target=session, file=file_name,
                 created=result.count(Action.CREATE), updated=result.count(Action.UPDATE),
                 unchanged=result.count(Action.UNCHANGED))
    _warn_after({mark.enrolment.pk: mark.status for mark, (action, _old) in zip(marks, outcomes)
                 if action != Action.UNCHANGED})
    return result


# --- Records edited in the admin: sessions, timetables, visits, enrolments' details ---------------

_SESSION_FIELDS = {"code", "course", "start_date", "end_date", "venue", "capacity", "completion_threshold",
                   "grace_minutes"}


@transaction.atomic
def session_create(
    *,
    actor,
    code: str,
    course,
    start_date,
    end_date,
    venue: str,
    capacity: int,
    completion_threshold: int = 80,
    status: str = SessionStatus.PLANNED,
    grace_minutes: int = 10,
) -> CourseSession:
    """Add a session of a course: planned, unless it is recorded in another status from the start
    (a session that ran before the portal, entered as closed).

    Raises PermissionDenied unless the actor is hub staff, ValidationError for a code in use or not
    in the BDM-2022-07 shape, an end before the start, a capacity below one or a completion
    threshold outside 1-100%.
    """
    access.require(actor, access.Action.ADD, CourseSession)
    session = CourseSession(code=code, course=course, start_date=start_date, end_date=end_date, venue=venue,
                            capacity=capacity, completion_threshold=completion_threshold, status=status,
                            grace_minutes=grace_minutes)
    return model_create(actor=actor, instance=session, action="session.create")


@transaction.atomic
def session_update(*, actor, session: CourseSession, **changes) -> CourseSession:
    """Change a session's code, course, dates, venue, capacity or completion threshold; records
    what changed from what to what.

    Raises PermissionDenied unless the actor is hub staff, ValidationError as session_create does,
    and TypeError for its status, which moves only by session_change_status.
    """
    access.require(actor, access.Action.CHANGE, session)
    return model_update(actor=actor, instance=session, changes=changes, action="session.update",
                        updatable=_SESSION_FIELDS)


@transaction.atomic
def session_delete(*, actor, session: CourseSession) -> None:
    """Delete a session with its timetable and visits. Raises PermissionDenied unless the actor is
    hub staff, ProtectedError while it has enrolments."""
    access.require(actor, access.Action.DELETE, session)
    model_delete(actor=actor, instance=session, action="session.delete")


@transaction.atomic
def timetable_slot_create(
    *,
    actor,
    session: CourseSession,
    date,
    start_time,
    end_time,
    title: str,
    module=None,
    room: str = "",
    faculty=None,
) -> TimetableSlot:
    """Add a block to a session's timetable.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), ValidationError for a date outside the session, an end before the start,
    a module of another course, or a start time the session's day has already.
    """
    access.require_session(actor, access.Action.ADD, session)
    slot = TimetableSlot(session=session, date=date, start_time=start_time, end_time=end_time, title=title,
                         module=module, room=room, faculty=faculty)
    return model_create(actor=actor, instance=slot, action="timetable_slot.create")


@transaction.atomic
def timetable_slot_update(*, actor, slot: TimetableSlot, **changes) -> TimetableSlot:
    """Change a timetable slot; records what changed from what to what.

    Raises PermissionDenied unless the slot is the actor's, and so is the session it is moved to
    (hub staff: every one; a coordinator: their sessions'), ValidationError as timetable_slot_create
    does, TypeError for a field that is not a slot's.
    """
    access.require(actor, access.Action.CHANGE, slot)
    if "session" in changes:
        access.require_session(actor, access.Action.CHANGE, changes["session"])
    return model_update(actor=actor, instance=slot, changes=changes, action="timetable_slot.update",
                        updatable={"session", "date", "start_time", "end_time", "module", "title", "room", "faculty"})


@transaction.atomic
def timetable_slot_delete(*, actor, slot: TimetableSlot) -> None:
    """Delete a timetable slot and the attendance marked for it (counted in the audit entry).
    Raises PermissionDenied unless the actor is hub staff."""
    access.require(actor, access.Action.DELETE, slot)
    model_delete(actor=actor, instance=slot, action="timetable_slot.delete")


@transaction.atomic
def enrolment_update(*, actor, enrolment: Enrolment, **changes) -> Enrolment:
    """Correct who nominated a trainee; records what changed from what to what.

    Raises PermissionDenied unless the enrolment is the actor's (hub staff: every one; a
    coordinator: their sessions'), TypeError for any other field: the status moves by
    enrolment_change_status, and the trainee and session make the enrolment what it is.
    """
    access.require(actor, access.Action.CHANGE, enrolment)
    if "nominating_body_name" in changes:
        changes["nominating_body_name"] = (changes["nominating_body_name"] or "").strip()
    return model_update(actor=actor, instance=enrolment, changes=changes, action="enrolment.update",
                        updatable={"nominated_by", "nominating_body_name"})


_VISIT_FIELDS = {"session", "host", "site", "starts_at", "ends_at", "capacity", "meeting_point", "meets_at"}


@transaction.atomic
def facility_visit_create(
    *,
    actor,
    session: CourseSession,
    host,
    site: str,
    starts_at,
    ends_at,
    capacity: int,
    participants: Iterable[Enrolment] = (),
    meeting_point: str = "",
    meets_at=None,
) -> FacilityVisit:
    """Add a facility visit to a session, with its participants (through facility_visit_set_participants).

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), ValidationError, writing nothing, for an end before the start, a capacity
    below one, or participants that facility_visit_set_participants refuses.
    """
    access.require_session(actor, access.Action.ADD, session)
    visit = FacilityVisit(session=session, host=host, site=site, starts_at=starts_at, ends_at=ends_at,
                          capacity=capacity, meeting_point=meeting_point, meets_at=meets_at)
    visit = model_create(actor=actor, instance=visit, action="visit.create")
    participants = list(participants)
    if participants:
        facility_visit_set_participants(actor=actor, visit=visit, enrolments=participants)
    return visit


@transaction.atomic
def facility_visit_update(
    *, actor, visit: FacilityVisit, participants: Iterable[Enrolment] | None = None, **changes
) -> FacilityVisit:
    """Change a visit's session, host, site, times or capacity, and (when given) its participants.

    Raises PermissionDenied unless the visit is the actor's, and so is the session it is moved to
    (hub staff: every one; a coordinator: their sessions'), ValidationError, writing nothing, when
    the participants (new, or those it has) would not fit the changed visit: another session,
    withdrawn, or more than its capacity.
    """
    access.require(actor, access.Action.CHANGE, visit)
    if "session" in changes:
        access.require_session(actor, access.Action.CHANGE, changes["session"])
    visit = model_update(actor=actor, instance=visit, changes=changes, action="visit.update", updatable=_VISIT_FIELDS)
    if participants is not None:
        facility_visit_set_participants(actor=actor, visit=visit, enrolments=participants)
    elif {"session", "capacity"} & set(changes):
        problems = facility_visit_participant_problems(
            session_id=visit.session_id, capacity=visit.capacity,
            enrolments=visit.participants.select_related("trainee"))
        if problems:
            raise ValidationError(problems)
    return visit


@transaction.atomic
def facility_visit_delete(*, actor, visit: FacilityVisit) -> None:
    """Delete a visit, its list of participants and the attendance marked for it. Raises
    PermissionDenied unless the actor is hub staff."""
    access.require(actor, access.Action.DELETE, visit)
    model_delete(actor=actor, instance=visit, action="visit.delete")


@transaction.atomic
def attendance_record_delete(*, actor, record: AttendanceRecord) -> None:
    """Delete one trainee's attendance at one slot or visit: it counts as not marked again. Raises
    PermissionDenied unless the actor is hub staff."""
    access.require(actor, access.Action.DELETE, record)
    model_delete(actor=actor, instance=record, action="attendance.delete")


# --- Announcements -----------------------------------------------------------------------------


@transaction.atomic
def announcement_create(*, actor, title: str, body: str, session: CourseSession | None = None,
                        published_at=None) -> Announcement:
    """Publish a notice on the start page of the trainees of `session` (None: of every session), from
    `published_at` (default: now).

    Raises PermissionDenied unless the session is the actor's (hub staff: any, or none; a coordinator:
    theirs), ValidationError for an empty title or text.
    """
    access.require_session(actor, access.Action.ADD, session)
    announcement = Announcement(title=title.strip(), body=body.strip(), session=session,
                                published_at=published_at or timezone.now(), created_by=recorded_user(actor))
    return model_create(actor=actor, instance=announcement, action="announcement.create")


@transaction.atomic
def announcement_update(*, actor, announcement: Announcement, **changes) -> Announcement:
    """Change an announcement's title, text, session or publication time; records what changed.

    Raises PermissionDenied unless the announcement is the actor's, and so is the session it is moved
    to (a coordinator: their sessions'; hub staff: any), TypeError for another field.
    """
    access.require(actor, access.Action.CHANGE, announcement)
    if "session" in changes:
        access.require_session(actor, access.Action.CHANGE, changes["session"])
    return model_update(actor=actor, instance=announcement, changes=changes, action="announcement.update",
                        updatable={"title", "body", "session", "published_at"})


@transaction.atomic
def announcement_delete(*, actor, announcement: Announcement) -> None:
    """Withdraw an announcement. Raises PermissionDenied unless the actor is hub staff."""
    access.require(actor, access.Action.DELETE, announcement)
    model_delete(actor=actor, instance=announcement, action="announcement.delete")


# --- The warning that one more absence costs the certificate --------------------------------------


def _warn_after(new_statuses: Mapping[int, str]) -> None:
    """After marks are stored: warn those whom a mark that is not an attendance (absent, excused) may
    have brought to their last allowed absence. Present and late never bring it nearer; no query then."""
    at_risk = [enrolment_id for enrolment_id, status in new_statuses.items() if status not in ATTENDED_STATUSES]
    if at_risk:
        attendance_warn_at_risk(enrolment_ids=at_risk)


def attendance_allowances(enrolments: Sequence[Enrolment]) -> dict[int, tuple[int | None, int]]:
    """Each enrolment's (absences_allowed, occasions not marked yet), counted as the trainee's
    attendance page counts them: the session's slots and the visits they take part in. Three queries
    for any number of enrolments (sessions loaded)."""
    ids = [e.pk for e in enrolments]
    slots = dict(TimetableSlot.objects.filter(session__in={e.session_id for e in enrolments})
                 .values("session").annotate(n=Count("pk")).values_list("session", "n"))
    visits = dict(FacilityVisit.participants.through.objects.filter(enrolment__in=ids).values("enrolment")
                  .annotate(n=Count("pk")).values_list("enrolment", "n"))
    marks: dict[int, dict[str, int]] = {}
    for enrolment_id, status, n in (
            AttendanceRecord.objects.filter(enrolment__in=ids)
            .filter(Q(slot__isnull=False) | Q(visit__participants=F("enrolment")))
            .values("enrolment", "status").annotate(n=Count("pk")).values_list("enrolment", "status", "n")):
        marks.setdefault(enrolment_id, {})[status] = n
    result = {}
    for enrolment in enrolments:
        mine = marks.get(enrolment.pk, {})
        marked = sum(mine.values())
        remaining = slots.get(enrolment.session_id, 0) + visits.get(enrolment.pk, 0) - marked
        result[enrolment.pk] = (absences_allowed(
            attended=sum(mine.get(status, 0) for status in ATTENDED_STATUSES),
            counted=marked - mine.get(AttendanceStatus.EXCUSED, 0), remaining=remaining,
            threshold=enrolment.session.completion_threshold), remaining)
    return result


def attendance_warn_at_risk(*, enrolment_ids: Iterable[int]) -> list[Enrolment]:
    """Tell each of these trainees, and their session's coordinators, by email, when one more absence
    would cost them the certificate (no absence left to spare, occasions still ahead); once per
    enrolment, whatever marks follow. Returns the enrolments warned now.

    Called by the attendance services after they store marks, inside their transaction: the email is
    queued with it and goes once it commits. Two requests marking at once warn once: the enrolment's
    at_risk_warned_at is set by a conditional UPDATE, and only the request that set it sends.
    """
    candidates = list(Enrolment.objects.filter(
        pk__in=set(enrolment_ids), at_risk_warned_at__isnull=True, status__in=SEAT_HOLDING_STATUSES,
    ).select_related("session__course", "trainee__country"))
    if not candidates:
        return []
    allowances = attendance_allowances(candidates)
    at_risk = [e for e in candidates if allowances[e.pk][0] == 0 and allowances[e.pk][1] > 0]
    warned = []
    now = timezone.now()
    for enrolment in at_risk:
        if Enrolment.objects.filter(pk=enrolment.pk, at_risk_warned_at__isnull=True).update(at_risk_warned_at=now):
            enrolment.at_risk_warned_at = now
            _at_risk_notify(enrolment, remaining=allowances[enrolment.pk][1])
            audit_record(actor=None, action="attendance.at_risk_warning", target=enrolment)
            warned.append(enrolment)
    return warned


def _session_coordinator_emails(session_id: int) -> list[str]:
    from hubportal.users.models import SessionAssignment

    return sorted(set(SessionAssignment.objects.filter(session_id=session_id, user__is_active=True)
                      .exclude(user__email="").values_list("user__email", flat=True)))


def _at_risk_notify(enrolment: Enrolment, *, remaining: int) -> None:
    """The warning emails, both in the trainee's language: theirs, and their coordinators' (one
    message to all of them), who then know what the trainee was told."""
    trainee, session = enrolment.trainee, enrolment.session
    context = {"trainee": trainee, "session": session, "remaining": remaining,
               "threshold": session.completion_threshold,
               "attendance_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("portal_attendance")}
    with translation.override(trainee.preferred_language):
        email_queue(
            to=trainee.email,
            subject=_("%(session)s: one more absence would cost you the certificate") % {"session": session.code},
            body=render_to_string("cohorts/email_at_risk_trainee.txt", context),
        )
        coordinators = _session_coordinator_emails(session.pk)
        if coordinators:
            email_queue(
                to=coordinators,
                subject=_("%(session)s: one more absence would cost %(trainee)s the certificate") % {
                    "session": session.code, "trainee": trainee.full_name},
                body=render_to_string("cohorts/email_at_risk_coordinator.txt", context),
            )


# --- Excuses ---------------------------------------------------------------------------------------


def _excuse_problems(enrolment: Enrolment, slot: TimetableSlot | None, visit: FacilityVisit | None) -> list[str]:
    occasion = slot or visit
    if occasion.session_id != enrolment.session_id:
        return [_("This is not a slot or visit of your session.")]
    if visit is not None and not visit.participants.filter(pk=enrolment.pk).exists():
        return [_("You do not take part in this visit.")]
    lookup = {"slot": slot} if slot is not None else {"visit": visit}
    mark = AttendanceRecord.objects.filter(enrolment=enrolment, **lookup).values_list("status", flat=True).first()
    if mark in ATTENDED_STATUSES or mark == AttendanceStatus.EXCUSED:
        return [_("Your attendance here is recorded as “%(status)s”: there is no absence to excuse.") % {
            "status": AttendanceStatus(mark).label}]
    if ExcuseRequest.objects.filter(enrolment=enrolment, status=ExcuseStatus.PENDING, **lookup).exists():
        return [_("You have already asked for this absence to be excused; the answer is still to come.")]
    return []


@transaction.atomic
def excuse_request_create(*, actor, enrolment: Enrolment, reason: str, slot: TimetableSlot | None = None,
                          visit: FacilityVisit | None = None, attachment=None) -> ExcuseRequest:
    """A trainee asks for their absence from one slot or visit (marked absent, or ahead) to be excused,
    with a reason and optionally a document (a PDF or a photo, checked by its content).

    Raises PermissionDenied unless the enrolment is the actor's own (or the actor hub staff),
    ValidationError, writing nothing, for neither or both of slot and visit, an empty reason, an
    occasion of another session or a visit they do not take part in, an attendance already recorded
    or excused, a request already waiting, or a document too big or not a PDF, PNG or JPEG.
    """
    if (slot is None) == (visit is None):
        raise ValidationError(_("An excuse is for one timetable slot or one visit."))
    access.require(actor, access.Action.REQUEST_EXCUSE, enrolment)
    reason = (reason or "").strip()
    problems = [] if reason else [_("Say why you were (or will be) absent.")]
    problems += _excuse_problems(enrolment, slot, visit)
    checked = None
    if attachment is not None:
        try:
            checked = attachment_check(attachment)
        except ValidationError as error:
            problems += error.messages
    if problems:
        raise ValidationError(problems)
    excuse = ExcuseRequest(enrolment=enrolment, slot=slot, visit=visit, reason=reason[:2000],
                           requested_at=timezone.now())
    if checked is not None:
        excuse.attachment_type = checked.content_type
        excuse.attachment.save(f"document.{checked.extension}", attachment, save=False)
    try:
        with transaction.atomic():
            excuse.save()
    except IntegrityError:  # two submissions at once: the constraint keeps one
        if excuse.attachment:
            excuse.attachment.delete(save=False)
        raise ValidationError(_("You have already asked for this absence to be excused; the answer is still to "
                                "come.")) from None
    audit_record(actor=actor, action="excuse.request", target=excuse, slot=excuse.slot_id, visit=excuse.visit_id,
                 attachment=bool(checked))
    return excuse


@transaction.atomic
def excuse_decide(*, actor, excuse: ExcuseRequest, approve: bool, note: str = "") -> ExcuseRequest:
    """Approve or refuse an excuse request, with a note for the trainee. Approving marks the slot or
    visit excused, with source "excuse", through attendance_mark (audited there too); refusing marks
    nothing.

    Raises PermissionDenied unless the request is the actor's to decide (hub staff; the coordinator
    of its session), ValidationError when it is decided already, or when the trainee no longer takes
    part in the visit (attendance_mark's refusal).
    """
    access.require(actor, access.Action.CHANGE, excuse)
    excuse = ExcuseRequest.objects.select_for_update().select_related("enrolment__trainee").get(pk=excuse.pk)
    if excuse.status != ExcuseStatus.PENDING:
        raise ValidationError(_("This request was decided already (%(status)s).") % {
            "status": excuse.get_status_display()})
    excuse.status = ExcuseStatus.APPROVED if approve else ExcuseStatus.REFUSED
    excuse.decided_by, excuse.decided_at = recorded_user(actor), timezone.now()
    excuse.decision_note = (note or "").strip()[:500]
    excuse.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approve:
        attendance_mark(actor=actor, statuses={excuse.enrolment_id: AttendanceStatus.EXCUSED}, slot=excuse.slot,
                        visit=excuse.visit, source=AttendanceSource.EXCUSE)
    audit_record(actor=actor, action="excuse.approve" if approve else "excuse.refuse", target=excuse,
                 note=excuse.decision_note)
    return excuse


# --- Signing up for facility visits ------------------------------------------------------------------


class SignUp:
    PARTICIPANT = "participant"
    WAITING = "waiting"


def _require_sign_up(actor, visit: FacilityVisit, enrolment: Enrolment) -> None:
    """The trainee for themselves; hub staff and the session's coordinator for anyone of it."""
    if not (access.can(actor, access.Action.VISIT_SIGN_UP, enrolment) or access.can(actor, access.Action.CHANGE,
                                                                                     visit)):
        raise PermissionDenied


@transaction.atomic
def facility_visit_sign_up(*, actor, visit: FacilityVisit, enrolment: Enrolment) -> str:
    """Sign a trainee up for a visit of their session: a participant while there is a place, else on
    the waiting list, in the order they came. Returns SignUp.PARTICIPANT or SignUp.WAITING.

    Raises PermissionDenied unless the enrolment is the actor's own, or the visit is the actor's to
    manage (hub staff; the session's coordinator); ValidationError for a visit of another session,
    one that has started, a withdrawn enrolment, or someone signed up or waiting already.
    """
    _require_sign_up(actor, visit, enrolment)
    # Locked: two trainees taking the last place at once must not both get it.
    visit = FacilityVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.session_id != enrolment.session_id:
        raise ValidationError(_("This visit is not one of your session's."))
    if enrolment.status not in SEAT_HOLDING_STATUSES:
        raise ValidationError(_("Only confirmed trainees of the session can sign up for its visits."))
    if visit.starts_at <= timezone.now():
        raise ValidationError(_("This visit has started; signing up for it is closed."))
    if visit.participants.filter(pk=enrolment.pk).exists():
        raise ValidationError(_("You are already signed up for this visit."))
    if VisitWaitlistEntry.objects.filter(visit=visit, enrolment=enrolment).exists():
        raise ValidationError(_("You are already on the waiting list of this visit."))
    if visit.participants.count() < visit.capacity:
        visit.participants.add(enrolment)
        audit_record(actor=actor, action="visit.sign_up", target=visit, enrolment=enrolment.pk)
        return SignUp.PARTICIPANT
    VisitWaitlistEntry.objects.create(visit=visit, enrolment=enrolment, joined_at=timezone.now())
    audit_record(actor=actor, action="visit.waitlist_join", target=visit, enrolment=enrolment.pk)
    return SignUp.WAITING


@transaction.atomic
def facility_visit_cancel(*, actor, visit: FacilityVisit, enrolment: Enrolment) -> list[Enrolment]:
    """Take a trainee off a visit, or off its waiting list. A place freed goes to the first on the
    waiting list (still confirmed in the session), who is told by email. Returns those moved up.

    Raises PermissionDenied as facility_visit_sign_up does, ValidationError when the trainee is
    neither signed up nor waiting.
    """
    _require_sign_up(actor, visit, enrolment)
    visit = FacilityVisit.objects.select_for_update().get(pk=visit.pk)
    if visit.participants.filter(pk=enrolment.pk).exists():
        visit.participants.remove(enrolment)
        audit_record(actor=actor, action="visit.cancel", target=visit, enrolment=enrolment.pk)
        return _waitlist_move_up(actor=actor, visit=visit)
    deleted, _rows = VisitWaitlistEntry.objects.filter(visit=visit, enrolment=enrolment).delete()
    if not deleted:
        raise ValidationError(_("You are not signed up for this visit."))
    audit_record(actor=actor, action="visit.waitlist_leave", target=visit, enrolment=enrolment.pk)
    return []


def _waitlist_move_up(*, actor, visit: FacilityVisit) -> list[Enrolment]:
    free = visit.capacity - visit.participants.count()
    if free <= 0:
        return []
    entries = list(VisitWaitlistEntry.objects.filter(visit=visit, enrolment__status__in=SEAT_HOLDING_STATUSES)
                   .select_related("enrolment__trainee__country", "enrolment__session")[:free])
    moved = [entry.enrolment for entry in entries]
    if moved:
        visit.participants.add(*moved)
        VisitWaitlistEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
        audit_record(actor=actor, action="visit.waitlist_move_up", target=visit,
                     enrolments=[enrolment.pk for enrolment in moved])
        for enrolment in moved:
            _moved_up_notify(visit, enrolment)
    return moved


def _moved_up_notify(visit: FacilityVisit, enrolment: Enrolment) -> None:
    trainee = enrolment.trainee
    context = {"trainee": trainee, "visit": visit, "session": enrolment.session,
               "timetable_url": settings.PORTAL_BASE_URL.rstrip("/") + reverse(
                   "portal_timetable", args=[enrolment.session.code])}
    with translation.override(trainee.preferred_language):
        email_queue(to=trainee.email,
                    subject=_("A place on the visit to %(site)s is yours") % {"site": visit.site},
                    body=render_to_string("cohorts/email_visit_place.txt", context))
