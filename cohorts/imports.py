"""Coordinators' imports into a course session: enrolments, and attendance after each day."""

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.importing import ChoiceSpellings, Column, ImportReport, Problem, RowOutcome, chunks, match_columns
from hubportal.tabular import Table, normalise_header
from trainees.imports import trainees_import
from trainees.models import Trainee
from trainees.services import normalise_email

from .models import AttendanceStatus, CourseSession, Enrolment, EnrolmentStatus, NominatingBody, TimetableSlot
from .services import (
    AttendanceMark,
    BulkResult,
    EnrolmentImportRow,
    attendance_mark_many,
    enrolments_import_rows,
    enrolments_nominate_many,
    session_check_takes_imports,
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
NOMINATING_BODY_NAME_LIMIT = Enrolment._meta.get_field("nominating_body_name").max_length


STATUS_SPELLINGS = ChoiceSpellings(EnrolmentStatus, {"noshow": EnrolmentStatus.NO_SHOW})
NOMINATOR_SPELLINGS = ChoiceSpellings(NominatingBody, {
    "worldhealthorganization": NominatingBody.WHO, "nationalregulatoryauthority": NominatingBody.NATIONAL_AUTHORITY,
    "nra": NominatingBody.NATIONAL_AUTHORITY, "ministry": NominatingBody.NATIONAL_AUTHORITY,
    "government": NominatingBody.NATIONAL_AUTHORITY, "manufacturer": NominatingBody.COMPANY,
    "employer": NominatingBody.COMPANY, "기업": NominatingBody.COMPANY, "회사": NominatingBody.COMPANY,
})
ATTENDANCE_SPELLINGS = ChoiceSpellings(AttendanceStatus, {
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
    try:
        session_check_takes_imports(session)
    except ValidationError as error:
        return [Problem(1, "", message) for message in error.messages]
    return []


def _add_problems(report: ImportReport, result: BulkResult, headers: list[str], positions: dict[str, int]) -> None:
    """The bulk write's problems where the coordinator finds them: a row's at its row and column."""
    for problem in result.problems:
        column = headers[positions[problem.field_name]] if problem.field_name in positions else ""
        report.problems.append(Problem(1 if problem.key is None else problem.key, column, problem.message))


def enrolments_import(*, actor, table: Table, session: CourseSession, dry_run: bool, file_name: str = "") -> ImportReport:
    """Enrol the file's trainees (by email) in a session, or move their enrolments forward.

    A row may give a status further along nominated -> selected -> confirmed -> attended ->
    completed (or withdrawn / no-show where the path allows), and the nominating body. Each step is
    recorded in the enrolment's history. Problems: an unknown email, a status off the path, a
    trainee twice in the file, more confirmed trainees than the session's capacity, a closed session.
    With any of them, or with `dry_run`, nothing is written. The rows are written by
    cohorts.services.enrolments_import_rows, under the rules of the single-enrolment services.
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
    rows: list[EnrolmentImportRow] = []
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
            status = STATUS_SPELLINGS.get(cell["status"])
            if status is None:
                problem("status", _("“%(value)s” is not an enrolment status (use %(choices)s).") % {
                    "value": cell["status"], "choices": ", ".join(str(c.label) for c in EnrolmentStatus)})
        if cell.get("nominated_by"):
            nominator = NOMINATOR_SPELLINGS.get(cell["nominated_by"])
            if nominator is None:
                problem("nominated_by", _("“%(value)s” is not a nominating body (use %(choices)s).") % {
                    "value": cell["nominated_by"], "choices": ", ".join(str(c.label) for c in NominatingBody)})
        body = cell.get("nominating_body_name") or None
        if body and len(body) > NOMINATING_BODY_NAME_LIMIT:
            problem("nominating_body_name", _("is longer than %(limit)s characters.") % {
                "limit": NOMINATING_BODY_NAME_LIMIT})
        rows.append(EnrolmentImportRow(number, trainee, status, nominator, body))
    if report.problems:
        return report

    result = enrolments_import_rows(actor=actor, session=session, rows=rows, dry_run=dry_run, file_name=file_name)
    for row in result.rows:
        changes = {name: (str(EnrolmentStatus(old).label), str(EnrolmentStatus(new).label)) if name == "status"
                   else (old, new) for name, (old, new) in row.changes.items()}
        report.outcomes.append(RowOutcome(row.key, row.action, row.obj.trainee.email,
                                          partial(_describe_enrolment, row.obj), changes))
    _add_problems(report, result, headers, positions)
    return report


def trainees_import_into_session(*, actor, table: Table, session: CourseSession | None, dry_run: bool,
                                 file_name: str = "") -> ImportReport:
    """Import trainees and, with a session, nominate each of them for it (those not enrolled yet).

    All in one transaction: a problem with either part writes nothing.
    """
    if session is None:
        return trainees_import(actor=actor, table=table, dry_run=dry_run, file_name=file_name)
    with transaction.atomic():
        report = trainees_import(actor=actor, table=table, dry_run=dry_run, file_name=file_name, session=session)
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
        new = enrolments_nominate_many(actor=actor, session=session, trainees=_trainees_by_email(emails).values(),
                                       file_name=file_name)
        report.notes.append(_("%(count)s nominated for %(session)s.") % {"count": len(new), "session": session.code})
    return report


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
    The marks are written by cohorts.services.attendance_mark_many, as attendance_mark writes them.
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
    marks: list[AttendanceMark] = []
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
        status = ATTENDANCE_SPELLINGS.get(cell["status"]) if cell["status"] else None
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
            marks.append(AttendanceMark(number, enrolment, status, **_occasion_field(occasion)))
    if report.problems:
        return report

    result = attendance_mark_many(actor=actor, session=session, marks=marks, dry_run=dry_run, file_name=file_name)
    for outcome in result.rows:
        mark = outcome.obj
        describe = partial(_describe_attendance, mark.enrolment, mark.slot or mark.visit, mark.status)
        changes = {"attendance": tuple(str(AttendanceStatus(status).label) for status in outcome.changes["status"])
                   } if "status" in outcome.changes else {}
        report.outcomes.append(RowOutcome(outcome.key, outcome.action, mark.enrolment.trainee.email, describe, changes))
    _add_problems(report, result, headers, positions)
    return report


def _occasion_field(occasion) -> dict:
    return {"slot": occasion} if isinstance(occasion, TimetableSlot) else {"visit": occasion}


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
