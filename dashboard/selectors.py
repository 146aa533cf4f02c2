"""The hub at a glance: what the dashboard's charts count, for the sessions of a filter the actor may see.

Every chart is read in a fixed number of queries whatever the number of trainees: counts are made
by PostgreSQL (GROUP BY), and the one read that goes through every enrolment (certificates and the
trainees at risk) fetches plain tuples, not objects. Trainees are counted once however many of the
filter's sessions they are enrolled in, in any status, as the report by country counts them
(reports.builders.country_lines), so that the dashboard and the report agree.

The access policy is applied once, where the sessions are chosen (dashboard_scope, through
cohorts.selectors.session_list): every read below counts within the scope's sessions only.
"""

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from certificates.models import Certificate, CertificateStatus
from certificates.selectors import BY_ATTENDANCE, certificate_earned
from cohorts.models import (
    ATTENDED_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    FacilityVisit,
    TimetableSlot,
)
from cohorts.selectors import session_list
from hubportal import access
from hubportal.jobs.models import Job, JobStatus
from trainees.models import IncomeGroup, TraineeCategory, WhoRegion

# How many trainees at risk and running jobs the page lists; the CSV has them all.
LIST_LIMIT = 50


# --- Which sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The sessions a dashboard counts: one session, a year's, or every session the actor may see."""

    sessions: tuple[CourseSession, ...]
    visible: tuple[CourseSession, ...]  # every session the actor may see, for the filter's choices
    session: CourseSession | None = None
    year: int | None = None
    everything: bool = False  # hub staff without a filter: jobs of no session count too

    @property
    def session_ids(self) -> list[int]:
        return [s.pk for s in self.sessions]

    @property
    def years(self) -> list[int]:
        return sorted({s.start_date.year for s in self.visible}, reverse=True)

    @property
    def query(self) -> str:
        """The filter as a query string, for links to the CSV files."""
        parts = []
        if self.session is not None:
            parts.append(f"session={self.session.code}")
        if self.year is not None:
            parts.append(f"year={self.year}")
        return "?" + "&".join(parts) if parts else ""

    @property
    def label(self) -> str:
        if self.session is not None:
            return self.session.code
        if self.year is not None:
            return str(self.year)
        return _("all sessions") if self.everything else _("your sessions")


def dashboard_scope(*, actor, session: str | None = None, year: str | None = None) -> Scope | None:
    """The sessions of the filter, or None when the actor may not see them (a session not theirs or
    unknown, a year without any of their sessions, a trainee): the view answers 404. One query.

    Hub staff and coordinators only: a trainee's own sessions are not a dashboard.
    """
    if not (access.is_hub_staff(actor) or access.is_coordinator(actor)):
        return None
    visible = tuple(session_list(actor=actor))
    chosen = visible
    found = None
    year_number = None
    if session:
        chosen = tuple(s for s in chosen if s.code == session)
        if not chosen:
            return None
        found = chosen[0]
    if year:
        if not (year.isdigit() and len(year) == 4):
            return None
        year_number = int(year)
        chosen = tuple(s for s in chosen if s.start_date.year == year_number)
        if not chosen:
            return None
    everything = access.is_hub_staff(actor) and not session and not year
    return Scope(sessions=chosen, visible=visible, session=found, year=year_number, everything=everything)


# --- What a chart holds --------------------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: float
    text: str  # what is written beside the bar: "33", "92 %", "12 / 40"
    key: str = ""
    extent: float | None = None  # a second, outlined length: a visit's capacity


@dataclass
class Chart:
    """One chart of the dashboard: its bars for the picture, and its numbers as a table and a CSV file."""

    slug: str
    title: str
    headers: list[str]
    rows: list[list]
    bars: list[Bar] = field(default_factory=list)
    note: str = ""
    more: int = 0  # rows beyond the page's list, in the CSV file only
    scale: float | None = None  # the full length of a bar (100 for percentages); else the longest bar

    @property
    def maximum(self) -> float:
        return self.scale or max([b.extent or b.value for b in self.bars] + [1])


# --- Trainees --------------------------------------------------------------------------------------


def _country_counts(scope: Scope) -> list[dict]:
    return list(
        Enrolment.objects.filter(session__in=scope.session_ids)
        .values("trainee__country__code", "trainee__country__name", "trainee__country__who_region",
                "trainee__country__income_group")
        .annotate(trainees=Count("trainee", distinct=True))
        .order_by("-trainees", "trainee__country__name")
    )


def trainees_by_country(scope: Scope, counts: list[dict] | None = None) -> Chart:
    counts = _country_counts(scope) if counts is None else counts
    rows = [[str(c["trainee__country__code"]), c["trainee__country__name"], c["trainees"]] for c in counts]
    return Chart("countries", _("Trainees by country"), [_("Code"), _("Country"), _("Trainees")], rows,
                 [Bar(name, n, str(n), code) for code, name, n in rows])


def _grouped(counts: list[dict], field_name: str) -> OrderedDict:
    """Country counts summed by a field of the country; a trainee has one country, so sums are exact."""
    groups: dict[str, int] = {}
    for c in counts:
        groups[c[field_name]] = groups.get(c[field_name], 0) + c["trainees"]
    return OrderedDict(sorted(groups.items(), key=lambda item: (-item[1], item[0])))


def trainees_by_region(scope: Scope, counts: list[dict] | None = None) -> Chart:
    counts = _country_counts(scope) if counts is None else counts
    rows = [[code, WhoRegion.label_of(code), n] for code, n in _grouped(counts, "trainee__country__who_region").items()]
    return Chart("regions", _("Trainees by WHO region"), [_("Code"), _("WHO region"), _("Trainees")], rows,
                 [Bar(label, n, str(n), code) for code, label, n in rows])


def trainees_by_income(scope: Scope, counts: list[dict] | None = None) -> Chart:
    counts = _country_counts(scope) if counts is None else counts
    labels = dict(IncomeGroup.choices)
    rows = [[code, str(labels.get(code, _("Not classified"))), n]
            for code, n in _grouped(counts, "trainee__country__income_group").items()]
    return Chart("income-groups", _("Trainees by World Bank income group"),
                 [_("Code"), _("Income group"), _("Trainees")], rows,
                 [Bar(label, n, str(n), code) for code, label, n in rows])


def trainees_by_category(scope: Scope) -> Chart:
    counts = (Enrolment.objects.filter(session__in=scope.session_ids).values("trainee__category")
              .annotate(trainees=Count("trainee", distinct=True)).order_by("-trainees", "trainee__category"))
    labels = dict(TraineeCategory.choices)
    rows = [[c["trainee__category"], str(labels.get(c["trainee__category"], c["trainee__category"])), c["trainees"]]
            for c in counts]
    return Chart("categories", _("Trainees by category"), [_("Code"), _("Category"), _("Trainees")], rows,
                 [Bar(label, n, str(n), code) for code, label, n in rows])


# --- Attendance ------------------------------------------------------------------------------------

_MARKS = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED)


def _rate(attended: int, counted: int) -> float | None:
    return 100.0 * attended / counted if counted else None


def _rate_text(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0f} %"


@dataclass
class Tallies:
    """The scope's marks counted once: per timetable slot and status (the attendance charts), and per
    enrolment present-or-late and counted (the rates behind certificates and the trainees at risk)."""

    by_slot: dict[int, dict[str, int]]
    by_enrolment: dict[int, tuple[int, int]]

    def rate(self, enrolment_id: int) -> float | None:
        """As cohorts.selectors.enrolment_list's attendance_rate: excused absences left out."""
        return _rate(*self.by_enrolment.get(enrolment_id, (0, 0)))


def _tallies(scope: Scope, *, slots: bool = True) -> Tallies:
    """One pass over the scope's attendance records, grouped twice (GROUPING SETS): a 5,000-trainee
    session has 100,000 marks, and reading them once per chart, each time joined to the columns of
    its rows, cost four times a small session's whole page. One query, a few thousand small rows;
    slots=False (the rates alone) groups once."""
    record, enrolment = AttendanceRecord._meta.db_table, Enrolment._meta.db_table
    sql = f"""
        SELECT GROUPING(r.enrolment_id), r.enrolment_id, {"r.slot_id, r.status" if slots else "NULL, NULL"},
               COUNT(*) FILTER (WHERE r.status = ANY(%s)), COUNT(*) FILTER (WHERE r.status <> %s), COUNT(*)
        FROM {record} r JOIN {enrolment} e ON e.id = r.enrolment_id
        WHERE e.session_id = ANY(%s)
        GROUP BY GROUPING SETS ((r.enrolment_id){", (r.slot_id, r.status)" if slots else ""})"""
    by_slot: dict[int, dict[str, int]] = {}
    by_enrolment: dict[int, tuple[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [[str(s) for s in ATTENDED_STATUSES], str(AttendanceStatus.EXCUSED), scope.session_ids])
        for by_slot_set, enrolment_id, slot_id, status, attended, counted, marks in cursor.fetchall():
            if by_slot_set:
                if slot_id is not None:  # a visit's marks count in the rates, not in the slots' charts
                    by_slot.setdefault(slot_id, {})[status] = marks
            else:
                by_enrolment[enrolment_id] = (attended, counted)
    return Tallies(by_slot, by_enrolment)


def _slot_marks(scope: Scope, tallies: Tallies | None = None) -> list:
    tallies = _tallies(scope) if tallies is None else tallies
    slots = list(TimetableSlot.objects.filter(session__in=scope.session_ids).select_related("session")
                 .order_by("date", "start_time", "session__code"))
    for slot in slots:
        marks = tallies.by_slot.get(slot.pk, {})
        for status in _MARKS:
            setattr(slot, status.value, marks.get(status.value, 0))
    return slots


def _mark_counts(item) -> list[int]:
    return [getattr(item, status.value) if not isinstance(item, dict) else item[status.value] for status in _MARKS]


def _attendance_row(counts: list[int]) -> tuple[list[int], float | None]:
    present, late, absent, _excused = counts
    return counts, _rate(present + late, present + late + absent)


def attendance_by_day(scope: Scope, slots: list | None = None) -> Chart:
    slots = _slot_marks(scope) if slots is None else slots
    days: dict[dt.date, list[int]] = {}
    for slot in slots:
        totals = days.setdefault(slot.date, [0, 0, 0, 0])
        for index, count in enumerate(_mark_counts(slot)):
            totals[index] += count
    rows, bars = [], []
    for day, counts in days.items():
        counts, rate = _attendance_row(counts)
        rows.append([day.isoformat(), *counts, None if rate is None else round(rate, 1)])
        bars.append(Bar(formats.date_format(day, "D j M"), rate or 0, _rate_text(rate), day.isoformat()))
    return Chart("attendance-days", _("Attendance per day"),
                 [_("Day"), *[str(s.label) for s in _MARKS], _("Attendance (%)")], rows, bars, scale=100,
                 note=_("Present or late over the marks of the day, excused absences left out."))


def attendance_by_slot(scope: Scope, slots: list | None = None) -> Chart:
    slots = _slot_marks(scope) if slots is None else slots
    rows, bars = [], []
    for slot in slots:
        counts, rate = _attendance_row(_mark_counts(slot))
        rows.append([slot.session.code, slot.date.isoformat(), slot.start_time.strftime("%H:%M"), slot.title, *counts,
                     None if rate is None else round(rate, 1)])
        label = f"{formats.date_format(slot.date, 'j M')} {slot.start_time:%H:%M} {slot.title}"
        bars.append(Bar(label, rate or 0, _rate_text(rate), str(slot.pk)))
    return Chart("attendance-slots", _("Attendance per timetable slot"),
                 [_("Session"), _("Day"), _("Starts"), _("Title"), *[str(s.label) for s in _MARKS],
                  _("Attendance (%)")], rows, bars, scale=100)


# --- Certificates and trainees at risk --------------------------------------------------------------


@dataclass
class EnrolmentFacts:
    pk: int
    status: str
    anonymised: bool
    rate: float | None
    ends: dt.date
    threshold: int
    certified: bool


def _enrolment_facts(actor, scope: Scope, tallies: Tallies | None = None) -> list[EnrolmentFacts]:
    """Every enrolment of the scope with its attendance rate and whether it holds a valid certificate:
    plain tuples in one query (the rates from the tallies), thousands of them in a few milliseconds."""
    tallies = _tallies(scope, slots=False) if tallies is None else tallies
    valid = Certificate.objects.filter(enrolment=OuterRef("pk"), status=CertificateStatus.VALID)
    rows = (access.visible(actor, Enrolment.objects.filter(session__in=scope.session_ids))
            .annotate(certified=Exists(valid))
            .values_list("pk", "status", "trainee__anonymised_at", "session__end_date",
                         "session__completion_threshold", "certified")
            .order_by())
    return [EnrolmentFacts(pk, status, anonymised is not None, tallies.rate(pk), ends, threshold, certified)
            for pk, status, anonymised, ends, threshold, certified in rows]


def is_at_risk(facts: EnrolmentFacts) -> bool:
    """Confirmed or attended, not certified, and attending less than the session's threshold so far: a
    certificate by attendance slips away unless the trainee comes to what is left (or it is excused)."""
    return (facts.status in BY_ATTENDANCE and not facts.certified and not facts.anonymised
            and facts.rate is not None and facts.rate < facts.threshold)


def certificates_overview(scope: Scope, facts: list[EnrolmentFacts], today: dt.date | None = None) -> Chart:
    today = today or timezone.localdate()
    eligible = [f for f in facts if certificate_earned(status=f.status, anonymised=f.anonymised, rate=f.rate,
                                                       ends=f.ends, threshold=f.threshold, today=today)]
    issued = sum(f.certified for f in facts)
    pending = sum(not f.certified for f in eligible)
    rows = [["issued", _("Issued (valid)"), issued],
            ["eligible", _("Eligible"), len(eligible)],
            ["pending", _("Eligible, not issued yet"), pending]]
    return Chart("certificates", _("Certificates"), [_("Code"), _("Certificates"), _("Enrolments")], rows,
                 [Bar(label, n, str(n), code) for code, label, n in rows],
                 note=_("Eligible: completed, or the session has ended and attendance reaches its threshold."))


def trainees_at_risk(actor, scope: Scope, facts: list[EnrolmentFacts], *, limit: int | None = LIST_LIMIT) -> Chart:
    """The trainees whose certificate is at risk, lowest attendance first; the page lists `limit` of them."""
    at_risk = sorted((f for f in facts if is_at_risk(f)), key=lambda f: (f.rate, f.pk))
    shown = at_risk if limit is None else at_risk[:limit]
    enrolments = {e.pk: e for e in Enrolment.objects.filter(pk__in=[f.pk for f in shown])
                  .select_related("trainee__country", "session")} if shown else {}
    rows = []
    for f in shown:
        enrolment = enrolments[f.pk]
        trainee = enrolment.trainee
        rows.append([enrolment.session.code, trainee.family_name, trainee.given_name, trainee.country.name,
                     round(f.rate, 1), f.threshold])
    return Chart("at-risk", _("Trainees whose certificate is at risk"),
                 [_("Session"), _("Family name"), _("Given name"), _("Country"), _("Attendance (%)"),
                  _("Needed (%)")], rows,
                 note=_("Confirmed or attended, no certificate yet, attendance below the session's threshold."),
                 more=len(at_risk) - len(shown))


# --- Visits and jobs ---------------------------------------------------------------------------------


def visit_signups(scope: Scope) -> Chart:
    visits = (FacilityVisit.objects.filter(session__in=scope.session_ids).select_related("host", "session")
              .annotate(signed_up=Count("participants")).order_by("starts_at"))
    rows, bars = [], []
    for visit in visits:
        starts = timezone.localtime(visit.starts_at)
        rows.append([visit.session.code, starts.date().isoformat(), visit.host.name, visit.site, visit.signed_up,
                     visit.capacity])
        bars.append(Bar(f"{formats.date_format(starts.date(), 'j M')} {visit.host.name}", visit.signed_up,
                        _("%(signed)s of %(capacity)s") % {"signed": visit.signed_up, "capacity": visit.capacity},
                        str(visit.pk), extent=visit.capacity))
    return Chart("visits", _("Facility visits: sign-ups against capacity"),
                 [_("Session"), _("Day"), _("Host"), _("Site"), _("Signed up"), _("Capacity")], rows, bars)


def running_jobs(actor, scope: Scope, *, limit: int | None = LIST_LIMIT) -> Chart:
    jobs = access.visible(actor, Job.objects.select_related("session")).filter(
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING))
    if not scope.everything:
        jobs = jobs.filter(session__in=scope.session_ids)
    jobs = list(jobs.order_by("created_at", "id")[: limit + 1] if limit is not None else jobs.order_by("created_at"))
    more = 0
    if limit is not None and len(jobs) > limit:
        jobs, more = jobs[:limit], 1  # "and more": the CSV has them all
    rows = [[job.pk, job.kind_label, job.session.code if job.session_id else "", job.state_label, job.done, job.total,
             job.percent] for job in jobs]
    return Chart("jobs", _("Background jobs running"),
                 [_("Job"), _("What"), _("Session"), _("State"), _("Done"), _("Of"), _("Progress (%)")], rows,
                 more=more)


# --- The whole page ---------------------------------------------------------------------------------


@dataclass
class Dashboard:
    scope: Scope
    trainees: int
    countries: int
    charts: dict[str, Chart]


def dashboard(*, actor, scope: Scope) -> Dashboard:
    """Every chart of the page, in eleven queries whatever the number of trainees."""
    counts = _country_counts(scope)
    tallies = _tallies(scope)
    slots = _slot_marks(scope, tallies)
    facts = _enrolment_facts(actor, scope, tallies)
    charts = [
        trainees_by_country(scope, counts),
        trainees_by_region(scope, counts),
        trainees_by_category(scope),
        trainees_by_income(scope, counts),
        attendance_by_day(scope, slots),
        attendance_by_slot(scope, slots),
        trainees_at_risk(actor, scope, facts),
        visit_signups(scope),
        certificates_overview(scope, facts),
        running_jobs(actor, scope),
    ]
    return Dashboard(scope, trainees=sum(c["trainees"] for c in counts), countries=len(counts),
                     charts={c.slug: c for c in charts})


# The CSV files: chart slug -> how to read that chart alone.
CHARTS = {
    "countries": lambda actor, scope: trainees_by_country(scope),
    "regions": lambda actor, scope: trainees_by_region(scope),
    "categories": lambda actor, scope: trainees_by_category(scope),
    "income-groups": lambda actor, scope: trainees_by_income(scope),
    "attendance-days": lambda actor, scope: attendance_by_day(scope),
    "attendance-slots": lambda actor, scope: attendance_by_slot(scope),
    "at-risk": lambda actor, scope: trainees_at_risk(actor, scope, _enrolment_facts(actor, scope), limit=None),
    "visits": lambda actor, scope: visit_signups(scope),
    "certificates": lambda actor, scope: certificates_overview(scope, _enrolment_facts(actor, scope)),
    "jobs": lambda actor, scope: running_jobs(actor, scope, limit=None),
}
