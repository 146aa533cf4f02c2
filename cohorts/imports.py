"""Coordinators' imports into a course session: enrolments, and attendance after each day."""

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.audit.services import audit_record, recorded_user
from hubportal.importing import Action, Column, ImportReport, Problem, RowOutcome, bulk_update_rows, chunks, match_columns
from hubportal.tabular import Table, normalise_header
from trainees.imports import trainees_import
from trainees.models import Trainee
from trainees.services import normalise_email

from .models import (
    ENROLMENT_TRANSITIONS,
    SEAT_HOLDING_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusChange,
    NominatingBody,
    SessionStatus,
)

EMAIL = Column("email", gettext_lazy("Email"), ("E-mail", "Email address", "E-mail address", "Mail", "Trainee email",
                                                 "이메일", "전자우편", "메일"), required=True)
ENROLMENT_COLUMNS = (
    EMAIL,
    Column("status", gettext_lazy("Status"), ("Enrolment status", "상태")),
    Column("nominated_by", gettext_lazy("Nominated by"), ("Nominator", "Nominating body type", "추천기관 유형")),
    Column("nominating_body_name", gettext_lazy("Nominating body"), ("Nominating organisation",
                                                                      "Nominating organization", "추천기관")),
)
ATTENDANCE_COLUMNS = (
    EMAIL,
    Column("date", gettext_lazy("Date"), ("Day", "Session date", "날짜", "일자")),
    Column("time", gettext_lazy("Start time"), ("Time", "Starts", "Slot time", "시작 시간", "시간")),
    Column("slot", gettext_lazy("Slot"), ("Timetable slot", "Lecture", "Module", "Session title", "강의", "과목")),
    Column("status", gettext_lazy("Attendance"), ("Status", "Attendance status", "Present", "출결", "출석"),
           required=True),
)

# The main path, in order: an import may move an enrolment forward along it, never back.
PATH = [EnrolmentStatus.NOMINATED, EnrolmentStatus.SELECTED, EnrolmentStatus.CONFIRMED, EnrolmentStatus.ATTENDED,
        EnrolmentStatus.COMPLETED]


def _spellings(choices, extra: dict) -> dict:
    found = dict(extra)
    for choice in choices:
        found[normalise_header(choice.value)] = choice
        found[normalise_header(str(choice.label))] = choice
    return found


STATUS_SPELLINGS = _spellings(EnrolmentStatus, {"noshow": EnrolmentStatus.NO_SHOW})
NOMINATOR_SPELLINGS = _spellings(NominatingBody, {
    "worldhealthorganization": NominatingBody.WHO, "nationalregulatoryauthority": NominatingBody.NATIONAL_AUTHORITY,
    "nra": NominatingBody.NATIONAL_AUTHORITY, "ministry": NominatingBody.NATIONAL_AUTHORITY,
    "government": NominatingBody.NATIONAL_AUTHORITY, "manufacturer": NominatingBody.COMPANY,
    "employer": NominatingBody.COMPANY, "기업": NominatingBody.COMPANY, "회사": NominatingBody.COMPANY,
})
ATTENDANCE_SPELLINGS = _spellings(AttendanceStatus, {
    "p": AttendanceStatus.PRESENT, "yes": AttendanceStatus.PRESENT, "y": AttendanceStatus.PRESENT,
    "x": AttendanceStatus.PRESENT, "출석": AttendanceStatus.PRESENT, "l": AttendanceStatus.LATE,
    "지각": AttendanceStatus.LATE, "a": AttendanceStatus.ABSENT, "no": AttendanceStatus.ABSENT,
    "n": AttendanceStatus.ABSENT, "결석": AttendanceStatus.ABSENT, "e": AttendanceStatus.EXCUSED,
    "공결": AttendanceStatus.EXCUSED, "excusedabsence": AttendanceStatus.EXCUSED,
})


def _trainees_by_email(emails: list[str]) -> dict[str, Trainee]:
    found = {}
    for part in chunks(emails):
        found.update((t.email, t) for t in Trainee.objects.filter(email__in=part).select_related("country"))
    return found


def _session_problem(session: CourseSession) -> list[Problem]:
    if session.status == SessionStatus.CLOSED:
        return [Problem(1, "", _("%(session)s is closed; reopen it (running) before importing into it.") % {
            "session": session.code})]
    return []


@dataclass
class _EnrolmentRow:
    row: int
    trainee: Trainee
    status: str | None
    nominated_by: str | None
    nominating_body_name: str | None


def enrolments_import(*, actor, table: Table, session: CourseSession, dry_run: bool, file_name: str = "") -> ImportReport:
    """Enrol the file's trainees (by email) in a session, or move their enrolments forward.

    A row may give a status further along nominated -> selected -> confirmed -> attended ->
    completed (or withdrawn / no-show where the path allows), and the nominating body. Each step is
    recorded in the enrolment's history. Problems: an unknown email, a status off the path, a
    trainee twice in the file, more confirmed trainees than the session's capacity, a closed session.
    With any of them, or with `dry_run`, nothing is written.
    """
    report = ImportReport(dry_run=dry_run, columns=[_("Trainee"), _("Email"), _("Status"), _("Nominated by")])
    headers = list(table.headers)
    positions, report.problems = match_columns(headers, ENROLMENT_COLUMNS, table.header_row)
    report.problems += _session_problem(session)
    if report.problems:
        return report
    cells = [(number, {name: row[i].strip() for name, i in positions.items()}) for number, row in table.rows]
    trainees = _trainees_by_email([normalise_email(c["email"]) for _n, c in cells])
    seen: dict[int, int] = {}
    rows: list[_EnrolmentRow] = []
    for number, cell in cells:
        def problem(name, message, number=number):
            report.problems.append(Problem(number, headers[positions[name]], message))

        trainee = trainees.get(normalise_email(cell["email"]))
        if not cell["email"]:
            problem("email", _("is empty."))
            continue
        if trainee is None:
            problem("email", _("no trainee has the email %(email)s; import the trainees first.") % {
                "email": cell["email"]})
            continue
        if trainee.pk in seen:
            problem("email", _("%(email)s is also on row %(other)s; each trainee once per file.") % {
                "email": trainee.email, "other": seen[trainee.pk]})
            continue
        seen[trainee.pk] = number
        status = nominator = None
        if cell.get("status"):
            status = STATUS_SPELLINGS.get(normalise_header(cell["status"]))
            if status is None:
                problem("status", _("“%(value)s” is not an enrolment status (use %(choices)s).") % {
                    "value": cell["status"], "choices": ", ".join(str(c.label) for c in EnrolmentStatus)})
        if cell.get("nominated_by"):
            nominator = NOMINATOR_SPELLINGS.get(normalise_header(cell["nominated_by"]))
            if nominator is None:
                problem("nominated_by", _("“%(value)s” is not a nominating body (use %(choices)s).") % {
                    "value": cell["nominated_by"], "choices": ", ".join(str(c.label) for c in NominatingBody)})
        body = cell.get("nominating_body_name") or None
        if body and len(body) > 200:
            problem("nominating_body_name", _("is longer than 200 characters."))
        rows.append(_EnrolmentRow(number, trainee, status, nominator, body))
    if report.problems:
        return report

    existing = {e.trainee_id: e for e in Enrolment.objects.filter(session=session, trainee__in=[r.trainee for r in rows])}
    now = timezone.now()
    to_create, to_update, changes = [], [], []
    seats = Enrolment.objects.filter(session=session, status__in=SEAT_HOLDING_STATUSES).count()
    for row in rows:
        enrolment = existing.get(row.trainee.pk)
        target = row.status
        steps: list[str] = []
        if enrolment is None:
            enrolment = Enrolment(trainee=row.trainee, session=session, status=EnrolmentStatus.NOMINATED,
                                  nominated_by=row.nominated_by or "", nominating_body_name=row.nominating_body_name or "",
                                  status_changed_at=now)
            steps = [EnrolmentStatus.NOMINATED]
            start = ""
            current = EnrolmentStatus.NOMINATED
            action = Action.CREATE
        else:
            start = current = enrolment.status
            action = Action.UNCHANGED
        diff = {}
        if target and target != current:
            path = _path_between(current, target)
            if path is None:
                report.problems.append(Problem(row.row, headers[positions["status"]], _(
                    "%(trainee)s cannot move from “%(from)s” to “%(to)s”.") % {
                    "trainee": row.trainee, "from": EnrolmentStatus(current).label,
                    "to": EnrolmentStatus(target).label}))
                continue
            steps += path
            diff["status"] = (str(EnrolmentStatus(current).label), str(EnrolmentStatus(target).label))
            if target in SEAT_HOLDING_STATUSES and current not in SEAT_HOLDING_STATUSES:
                seats += 1
            elif current in SEAT_HOLDING_STATUSES and target not in SEAT_HOLDING_STATUSES:
                seats -= 1
            enrolment.status, enrolment.status_changed_at = target, now
        if action is Action.UNCHANGED:
            for name in ("nominated_by", "nominating_body_name"):
                value = getattr(row, name)
                if value and value != getattr(enrolment, name):
                    diff[name] = (getattr(enrolment, name), value)
                    setattr(enrolment, name, value)
            if diff:
                action = Action.UPDATE
                to_update.append(enrolment)
        else:
            to_create.append(enrolment)
        changes.append((enrolment, start, steps))
        report.outcomes.append(RowOutcome(row.row, action, row.trainee.email, partial(_describe_enrolment, enrolment),
                                          diff))
    if seats > session.capacity:
        report.problems.append(Problem(1, "", _(
            "%(session)s has %(capacity)s places; after this file %(seats)s trainees would hold one (confirmed, "
            "attended or completed).") % {"session": session.code, "capacity": session.capacity, "seats": seats}))
    if report.problems or dry_run:
        return report
    with transaction.atomic():
        # Locked so that a confirmation in the admin cannot take a seat this import counted as free.
        locked = CourseSession.objects.select_for_update().get(pk=session.pk)
        Enrolment.objects.bulk_create(to_create)
        bulk_update_rows(Enrolment, to_update, ["status", "status_changed_at", "nominated_by", "nominating_body_name"])
        EnrolmentStatusChange.objects.bulk_create(
            EnrolmentStatusChange(enrolment=enrolment, from_status=before, to_status=after, changed_at=now,
                                  changed_by=recorded_user(actor), note=(_("import %(file)s") % {"file": file_name})[:255])
            for enrolment, start, steps in changes
            for before, after in zip([start, *steps[:-1]], steps)
        )
        taken = Enrolment.objects.filter(session=locked, status__in=SEAT_HOLDING_STATUSES).count()
        if taken > locked.capacity:
            transaction.set_rollback(True)
            report.problems.append(Problem(1, "", _(
                "%(session)s filled up while this file was being imported (%(taken)s of %(capacity)s places "
                "would be taken); nothing was written.") % {
                "session": session.code, "taken": taken, "capacity": locked.capacity}))
            return report
        audit_record(actor=actor, action="enrolments.import", target=session, file=file_name,
                     created=report.created, updated=report.updated, unchanged=report.unchanged)
    return report


def _path_between(current: str, target: str) -> list[str] | None:
    """The steps from current to target: forward along the main path, or one allowed side step."""
    if target in ENROLMENT_TRANSITIONS[current]:
        return [target]
    if current in PATH and target in PATH and PATH.index(target) > PATH.index(current):
        return PATH[PATH.index(current) + 1 : PATH.index(target) + 1]
    return None


def trainees_import_into_session(*, actor, table: Table, session: CourseSession | None, dry_run: bool,
                                 file_name: str = "") -> ImportReport:
    """Import trainees and, with a session, nominate each of them for it (those not enrolled yet).

    All in one transaction: a problem with either part writes nothing.
    """
    if session is None:
        return trainees_import(actor=actor, table=table, dry_run=dry_run, file_name=file_name)
    with transaction.atomic():
        report = trainees_import(actor=actor, table=table, dry_run=dry_run, file_name=file_name)
        report.problems += _session_problem(session)
        if report.problems:
            transaction.set_rollback(True)
            return report
        emails = [o.key for o in report.outcomes]
        if dry_run:
            enrolled = set(Enrolment.objects.filter(session=session, trainee__email__in=emails)
                           .values_list("trainee__email", flat=True))
            report.notes.append(_("%(count)s would be nominated for %(session)s.") % {
                "count": len(set(emails) - enrolled), "session": session.code})
            return report
        trainees = _trainees_by_email(emails)
        enrolled = set(Enrolment.objects.filter(session=session, trainee__in=trainees.values())
                       .values_list("trainee_id", flat=True))
        now = timezone.now()
        new = [Enrolment(trainee=t, session=session, status=EnrolmentStatus.NOMINATED, status_changed_at=now)
               for t in trainees.values() if t.pk not in enrolled]
        Enrolment.objects.bulk_create(new)
        EnrolmentStatusChange.objects.bulk_create(
            EnrolmentStatusChange(enrolment=e, from_status="", to_status=EnrolmentStatus.NOMINATED, changed_at=now,
                                  changed_by=recorded_user(actor), note=(_("import %(file)s") % {"file": file_name})[:255])
            for e in new
        )
        report.notes.append(_("%(count)s nominated for %(session)s.") % {"count": len(new), "session": session.code})
        if new:
            audit_record(actor=actor, action="enrolments.import", target=session, file=file_name, created=len(new))
    return report


@dataclass
class _AttendanceRow:
    row: int
    enrolment: Enrolment
    occasions: list  # the slots (or visits) the row marks
    status: str


def _parse_date(text: str) -> dt.date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y.%m.%d", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text.rstrip("."), fmt).date()
        except ValueError:
            continue
    return None


def _parse_time(text: str) -> dt.time | None:
    for fmt in ("%H:%M", "%H:%M:%S", "%H.%M", "%H%M"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).time()
        except ValueError:
            continue
    return None


def attendance_import(*, actor, table: Table, session: CourseSession, dry_run: bool, file_name: str = "") -> ImportReport:
    """Record attendance from a sheet: trainee email, a date (every slot of that day, or the visit
    the trainee takes part in that day) or a timetable slot (by start time or title), and a status.

    Problems: an unknown email or a trainee not enrolled in the session, a date outside the
    session or without slots, an unknown slot, a status that is not present / late / absent /
    excused, the same trainee and slot twice. With any of them, or with `dry_run`, nothing is written.
    """
    report = ImportReport(dry_run=dry_run, columns=[_("Trainee"), _("Email"), _("Slot or visit"), _("Attendance")])
    headers = list(table.headers)
    positions, report.problems = match_columns(headers, ATTENDANCE_COLUMNS, table.header_row)
    if not report.problems and "date" not in positions and "slot" not in positions:
        report.problems.append(Problem(1, "", _("the file needs a “Date” or a “Slot” column to say when.")))
    report.problems += _session_problem(session)
    if report.problems:
        return report
    slots = list(session.slots.select_related("module").order_by("date", "start_time"))
    visits = list(session.visits.select_related("host").prefetch_related("participants"))
    slots_by_day: dict[dt.date, list] = {}
    for slot in slots:
        slots_by_day.setdefault(slot.date, []).append(slot)
    slots_by_title = {}
    for slot in slots:
        slots_by_title.setdefault(normalise_header(slot.title), []).append(slot)
    enrolments = {e.trainee.email: e for e in session.enrolments.select_related("trainee")}
    participants = {v.pk: {e.pk for e in v.participants.all()} for v in visits}
    marked: dict[tuple, int] = {}
    rows: list[_AttendanceRow] = []
    for number, row in table.rows:
        cell = {name: row[i].strip() for name, i in positions.items()}

        def problem(name, message, number=number):
            report.problems.append(Problem(number, headers[positions[name]] if name in positions else "", message))

        email = normalise_email(cell["email"])
        enrolment = enrolments.get(email)
        if not email:
            problem("email", _("is empty."))
        elif enrolment is None:
            problem("email", _("%(email)s is not enrolled in %(session)s.") % {"email": cell["email"],
                                                                             "session": session.code})
        status = ATTENDANCE_SPELLINGS.get(normalise_header(cell["status"])) if cell["status"] else None
        if status is None:
            problem("status", _("“%(value)s” is not an attendance status (use present, late, absent or excused).")
                    % {"value": cell["status"]} if cell["status"] else _("is empty."))
        occasions = _occasions(cell, session, slots_by_day, slots_by_title, visits, participants, enrolment, problem)
        if enrolment is None or status is None or occasions is None:
            continue
        for occasion in occasions:
            key = (enrolment.pk, type(occasion).__name__, occasion.pk)
            if key in marked:
                problem("email", _("%(trainee)s at %(occasion)s is also on row %(other)s.") % {
                    "trainee": enrolment.trainee, "occasion": occasion, "other": marked[key]})
            marked[key] = number
        rows.append(_AttendanceRow(number, enrolment, occasions, status))
    if report.problems:
        return report

    existing = {
        (r.enrolment_id, "TimetableSlot" if r.slot_id else "FacilityVisit", r.slot_id or r.visit_id): r
        for r in AttendanceRecord.objects.filter(enrolment__session=session)
    }
    now = timezone.now()
    marker = recorded_user(actor)
    to_create, to_update = [], []
    for row in rows:
        for occasion in row.occasions:
            kind = type(occasion).__name__
            record = existing.get((row.enrolment.pk, kind, occasion.pk))
            describe = partial(_describe_attendance, row.enrolment, occasion, row.status)
            if record is None:
                to_create.append(AttendanceRecord(
                    enrolment=row.enrolment, status=row.status, marked_by=marker, marked_at=now,
                    **({"slot": occasion} if kind == "TimetableSlot" else {"visit": occasion})))
                report.outcomes.append(RowOutcome(row.row, Action.CREATE, row.enrolment.trainee.email, describe))
            elif record.status != row.status:
                old = str(AttendanceStatus(record.status).label)
                record.status, record.marked_by, record.marked_at = row.status, marker, now
                to_update.append(record)
                report.outcomes.append(RowOutcome(row.row, Action.UPDATE, row.enrolment.trainee.email, describe,
                                                  {"attendance": (old, str(AttendanceStatus(row.status).label))}))
            else:
                report.outcomes.append(RowOutcome(row.row, Action.UNCHANGED, row.enrolment.trainee.email, describe))
    if dry_run:
        return report
    with transaction.atomic():
        AttendanceRecord.objects.bulk_create(to_create)
        bulk_update_rows(AttendanceRecord, to_update, ["status", "marked_by_id", "marked_at"])
        audit_record(actor=actor, action="attendance.import", target=session, file=file_name,
                     created=report.created, updated=report.updated, unchanged=report.unchanged)
    return report


def _occasions(cell, session, slots_by_day, slots_by_title, visits, participants, enrolment, problem):
    """The slots (or visits) a row is about, or None after reporting why none could be found."""
    day = None
    if cell.get("date"):
        day = _parse_date(cell["date"])
        if day is None:
            problem("date", _("“%(value)s” is not a date (write it as 2022-07-18).") % {"value": cell["date"]})
            return None
        if not session.start_date <= day <= session.end_date:
            problem("date", _("%(day)s is outside %(session)s (%(start)s to %(end)s).") % {
                "day": day.isoformat(), "session": session.code, "start": session.start_date.isoformat(),
                "end": session.end_date.isoformat()})
            return None
    candidates = slots_by_day.get(day, []) if day else [s for day_slots in slots_by_day.values() for s in day_slots]
    if cell.get("time"):
        start = _parse_time(cell["time"])
        if start is None:
            problem("time", _("“%(value)s” is not a time (write it as 09:30).") % {"value": cell["time"]})
            return None
        candidates = [s for s in candidates if s.start_time == start]
    if cell.get("slot"):
        wanted = slots_by_title.get(normalise_header(cell["slot"]), [])
        candidates = [s for s in candidates if s in wanted]
        if not candidates:
            problem("slot", _("no timetable slot of %(session)s is called “%(value)s”%(on_day)s.") % {
                "session": session.code, "value": cell["slot"],
                "on_day": (_(" on %(day)s") % {"day": day.isoformat()}) if day else ""})
            return None
        if len(candidates) > 1 and not day:
            problem("slot", _("“%(value)s” is on several days; add the date.") % {"value": cell["slot"]})
            return None
        return candidates
    if not day:
        problem("date", _("is empty."))
        return None
    if candidates:
        return candidates
    if cell.get("time"):
        problem("time", _("no slot starts at %(time)s on %(day)s.") % {"time": cell["time"], "day": day.isoformat()})
        return None
    todays_visits = [v for v in visits if timezone.localtime(v.starts_at).date() == day]
    if todays_visits and enrolment is not None:
        mine = [v for v in todays_visits if enrolment.pk in participants[v.pk]]
        if mine:
            return mine
        problem("date", _("%(trainee)s takes part in no visit on %(day)s.") % {"trainee": enrolment.trainee,
                                                                              "day": day.isoformat()})
        return None
    problem("date", _("%(session)s has nothing on %(day)s.") % {"session": session.code, "day": day.isoformat()})
    return None


def _describe_enrolment(enrolment: Enrolment) -> dict[str, str]:
    return {
        _("Trainee"): str(enrolment.trainee), _("Email"): enrolment.trainee.email,
        _("Status"): str(EnrolmentStatus(enrolment.status).label),
        _("Nominated by"): str(NominatingBody(enrolment.nominated_by).label) if enrolment.nominated_by else "",
    }


def _describe_attendance(enrolment: Enrolment, occasion, status: str) -> dict[str, str]:
    return {_("Trainee"): str(enrolment.trainee), _("Email"): enrolment.trainee.email,
            _("Slot or visit"): str(occasion), _("Attendance"): str(AttendanceStatus(status).label)}
