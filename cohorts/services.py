"""Writes on sessions, enrolments, visits and attendance. Views, admin, importers and the demo
seed all go through these functions, so every rule and audit entry lives in one place."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record, model_create, model_delete, model_update, recorded_user
from hubportal.importing import Action, bulk_update_rows
from trainees.models import Trainee

from .models import (
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
    FacilityVisit,
    SessionStatus,
    TimetableSlot,
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
    return stored


class CheckInRefused(Exception):
    """A check-in that writes nothing; its message is the trainee's to read."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


# A QR code may be shown, and scanned, from a little before the slot starts until it ends.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=30)


def slot_times(slot: TimetableSlot) -> tuple[datetime, datetime]:
    """When a slot starts and ends, in the hub's time zone."""
    zone = timezone.get_default_timezone()
    return (datetime.combine(slot.date, slot.start_time, tzinfo=zone),
            datetime.combine(slot.date, slot.end_time, tzinfo=zone))


def attendance_check_in_check(*, actor, slot: TimetableSlot, at: datetime | None = None) -> Enrolment:
    """What attendance_check_in checks before it writes, for the page that asks to confirm: the
    actor's enrolment, or CheckInRefused (not enrolled, not on now, marked already)."""
    at = at or timezone.now()
    enrolment = Enrolment.objects.filter(session_id=slot.session_id, trainee__user=actor,
                                         status__in=SEAT_HOLDING_STATUSES).first() if actor else None
    if enrolment is None or not access.can(actor, access.Action.CHECK_IN, enrolment):
        raise CheckInRefused(_("You are not enrolled in this session, so you cannot check in to it."),
                             "not_enrolled")
    starts, ends = slot_times(slot)
    if not (starts - CHECK_IN_OPENS_BEFORE <= at <= ends):
        raise CheckInRefused(_("Check-in for this slot is open from %(opens)s to %(closes)s only.") % {
            "opens": timezone.localtime(starts - CHECK_IN_OPENS_BEFORE).strftime("%H:%M"),
            "closes": timezone.localtime(ends).strftime("%H:%M")}, "not_now")
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
    late = at > slot_times(slot)[0] + timedelta(minutes=slot.session.grace_minutes)
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
