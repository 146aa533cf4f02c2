"""Reports for MOHW, IVI and WHO: a session's attendance, and trainees by country across sessions.

Each comes as PDF (A4 landscape, through certificates.pdf like every PDF of the project), XLSX or
CSV. The numbers are read in a constant number of queries, whatever the size of the cohort, and
the spreadsheet cells pass through hubportal.exports.neutralise_formula, since names, titles and
venues are typed by trainees and coordinators.

How a day shows in the attendance matrix: a trainee's occasions of the day are the session's slots
of that day and the facility visits of that day the trainee takes part in, in time order. The cell
holds one letter (P present, L late, A absent, E excused, – not marked) when it is the same for all
of them, else one letter per occasion in time order ("P L" for present in the morning and late in
the afternoon). A blank cell means the trainee had nothing that day (a visit day for someone who
joins no visit). Day totals count marks (one per trainee and occasion), not trainees.
"""

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

import tablib
from django.db.models import Count, Max, Min, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from certificates.models import CertificateStatus
from certificates.pdf import html_to_pdf
from certificates.rendering import native_name_language
from cohorts.models import (
    SEAT_HOLDING_STATUSES,
    AttendanceRecord,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    EnrolmentStatus,
    FacilityVisit,
)
from cohorts.selectors import enrolment_list
from hubportal import access
from hubportal.dates import date_range
from hubportal.exports import SafeCSV, neutralise_formula
from trainees.models import WhoRegion

TEMPLATE = "reports/pdf/attendance_report.html"
FORMATS = ("pdf", "xlsx", "csv")

LETTERS = {
    AttendanceStatus.PRESENT: "P",
    AttendanceStatus.LATE: "L",
    AttendanceStatus.ABSENT: "A",
    AttendanceStatus.EXCUSED: "E",
}
NOT_MARKED = "–"  # an en dash: never a formula trigger, unlike "-"
NO_RATE = "–"
STATUS_ORDER = list(LETTERS)


# --- What the reports hold ----------------------------------------------------------------------


@dataclass
class Occasion:
    """A timetable slot or a facility visit, on the day it falls in the hub's time zone."""

    kind: str  # "slot" or "visit"
    pk: int
    day: date
    starts: time


@dataclass
class Day:
    day: date
    occasions: list[Occasion] = field(default_factory=list)
    marks: Counter = field(default_factory=Counter)  # status -> number of marks
    expected: int = 0  # trainee-occasions of the day, marked or not

    @property
    def slots(self) -> int:
        return sum(1 for o in self.occasions if o.kind == "slot")

    @property
    def visits(self) -> int:
        return sum(1 for o in self.occasions if o.kind == "visit")

    @property
    def not_marked(self) -> int:
        return self.expected - sum(self.marks.values())

    @property
    def rate(self) -> float | None:
        """Present or late over the day's marks, excused left out: the trainees' rate, for a day."""
        attended = self.marks[AttendanceStatus.PRESENT] + self.marks[AttendanceStatus.LATE]
        counted = attended + self.marks[AttendanceStatus.ABSENT]
        return 100.0 * attended / counted if counted else None

    @property
    def counts(self) -> list[int]:
        return [self.marks[status] for status in STATUS_ORDER]


@dataclass
class MatrixRow:
    enrolment: Enrolment
    cells: list[str]
    rate: float | None
    below_threshold: bool

    @property
    def trainee(self):
        return self.enrolment.trainee


@dataclass
class Group:
    """Trainees of one country or one WHO region (or all of them) and how they attended."""

    key: str
    label: str
    trainees: int = 0
    rates: list = field(default_factory=list)
    at_threshold: int = 0

    @property
    def average(self) -> float | None:
        return sum(self.rates) / len(self.rates) if self.rates else None


@dataclass
class AttendanceMatrix:
    session: CourseSession
    generated_at: datetime
    days: list[Day]
    rows: list[MatrixRow]
    by_country: list[Group]
    by_region: list[Group]
    total: Group


@dataclass
class Table:
    """A titled table for the PDF and for one sheet: the columns from `first_numeric` on are numbers."""

    title: str
    headers: list[str]
    rows: list[list]
    total: list | None = None
    first_numeric: int = 1
    note: str = ""


# --- Reading the attendance of a session -------------------------------------------------------


def _occasions(session: CourseSession) -> list[Occasion]:
    slots = [Occasion("slot", pk, day, starts)
             for pk, day, starts in session.slots.values_list("pk", "date", "start_time")]
    visits = []
    for pk, starts_at in FacilityVisit.objects.filter(session=session).values_list("pk", "starts_at"):
        local = timezone.localtime(starts_at)  # the day a visit falls on is the hub's day, not UTC's
        visits.append(Occasion("visit", pk, local.date(), local.time()))
    return sorted(slots + visits, key=lambda o: (o.day, o.starts, o.kind, o.pk))


def _day_cell(letters: list[str]) -> str:
    """"P" when all of a trainee's occasions of the day read the same, "P L" when they differ."""
    if not letters:
        return ""
    return letters[0] if len(set(letters)) == 1 else " ".join(letters)


def attendance_matrix(session: CourseSession, *, actor) -> AttendanceMatrix:
    """The session's trainees (those the actor may see) by day, with rates, day totals and summaries, in five queries.

    Rows are the enrolments that held a seat (confirmed, attended, completed) and any other one
    with attendance marked (someone who withdrew half-way), by country name, then family name.
    """
    threshold = session.completion_threshold
    occasions = _occasions(session)
    participants = set(
        FacilityVisit.participants.through.objects.filter(facilityvisit__session=session)
        .values_list("facilityvisit_id", "enrolment_id")
    )
    marks = {}
    for enrolment_id, slot_id, visit_id, status in AttendanceRecord.objects.filter(
        enrolment__session=session
    ).values_list("enrolment_id", "slot_id", "visit_id", "status"):
        marks[(enrolment_id, "slot" if slot_id else "visit", slot_id or visit_id)] = status
    marked_enrolments = {key[0] for key in marks}
    enrolments = [
        e for e in enrolment_list(actor=actor, session=session).order_by(
            "trainee__country__name", "trainee__family_name", "trainee__given_name", "pk")
        if e.status in SEAT_HOLDING_STATUSES or e.pk in marked_enrolments
    ]

    days: dict[date, Day] = {}
    for occasion in occasions:
        days.setdefault(occasion.day, Day(occasion.day)).occasions.append(occasion)
    days_list = list(days.values())

    rows = []
    by_country: dict[str, Group] = {}
    by_region: dict[str, Group] = {}
    total = Group("", _("All trainees"))
    for enrolment in enrolments:
        cells = []
        for day in days_list:
            letters = []
            for occasion in day.occasions:
                if occasion.kind == "visit" and (occasion.pk, enrolment.pk) not in participants:
                    continue
                status = marks.get((enrolment.pk, occasion.kind, occasion.pk))
                day.expected += 1
                if status:
                    day.marks[status] += 1
                letters.append(LETTERS.get(status, NOT_MARKED))
            cells.append(_day_cell(letters))
        rate = enrolment.attendance_rate
        rows.append(MatrixRow(enrolment, cells, rate, rate is not None and rate < threshold))
        country = enrolment.trainee.country
        groups = (
            by_country.setdefault(country.name, Group(country.name, country.name)),
            by_region.setdefault(country.who_region,
                                 Group(country.who_region, WhoRegion.label_of(country.who_region))),
            total,
        )
        for group in groups:
            group.trainees += 1
            if rate is not None:
                group.rates.append(rate)
                group.at_threshold += rate >= threshold
    return AttendanceMatrix(
        session=session,
        generated_at=timezone.localtime(),
        days=days_list,
        rows=rows,
        by_country=sorted(by_country.values(), key=lambda g: g.label),
        by_region=sorted(by_region.values(), key=lambda g: (not g.key, g.key)),  # no WHO region last
        total=total,
    )


# --- Formatting shared by the formats ------------------------------------------------------------


def _percent(value: float | None):
    """A rate as a number with one decimal, or the dash for "nothing marked yet"."""
    return NO_RATE if value is None else round(value, 1)


def _percent_text(value: float | None) -> str:
    return NO_RATE if value is None else f"{value:.1f}"


def _day_table(matrix: AttendanceMatrix) -> Table:
    rows = [
        [day.day.isoformat(), formats.date_format(day.day, "l"), day.slots, day.visits, *day.counts,
         day.not_marked, _percent(day.rate)]
        for day in matrix.days
    ]
    sums = [sum(row[i] for row in rows) for i in range(2, 9)]
    everything = Day(date.min, marks=sum((d.marks for d in matrix.days), Counter()))
    return Table(
        title=_("By day"),
        headers=[_("Date"), _("Day"), _("Slots"), _("Visits"), _("Present"), _("Late"), _("Absent"), _("Excused"),
                 _("Not marked"), _("Attendance (%)")],
        rows=rows,
        total=[_("Total"), "", *sums, _percent(everything.rate)],
        first_numeric=2,
        note=_("Counts are marks, one per trainee and slot or visit; attendance is present or late over the "
               "marks, excused absences left out."),
    )


def _group_table(title: str, key_headers: list[str], groups: list[Group], total: Group, threshold: int,
                 keys) -> Table:
    return Table(
        title=title,
        headers=[*key_headers, _("Trainees"), _("Average attendance rate (%)"),
                 _("At or above %(threshold)s%%") % {"threshold": threshold}],
        rows=[[*keys(g), g.trainees, _percent(g.average), g.at_threshold] for g in groups],
        total=[_("Total"), *[""] * (len(key_headers) - 1), total.trainees, _percent(total.average),
               total.at_threshold],
        first_numeric=len(key_headers),
        note=_("The average is that of the trainees' rates; trainees with nothing marked are left out of it."),
    )


def _summary_tables(matrix: AttendanceMatrix) -> list[Table]:
    threshold = matrix.session.completion_threshold
    return [
        _group_table(_("By country"), [_("Country")], matrix.by_country, matrix.total, threshold,
                     lambda g: [g.label]),
        _group_table(_("By WHO region"), [_("WHO region"), _("Region")], matrix.by_region, matrix.total,
                     threshold, lambda g: [g.key, g.label]),
    ]


def _title_lines(session: CourseSession, generated_at: datetime) -> list[str]:
    return [
        f"{session.code} · {session.course.title}",
        f"{session.dates} · {session.venue}",
        _("Generated %(when)s") % {"when": formats.date_format(generated_at, "j F Y, H:i")},
    ]


def _legend() -> str:
    return _("P present · L late · A absent · E excused · – not marked; one letter when a trainee's slots "
             "and visits of the day are all alike, else one per slot or visit in time order; blank: nothing "
             "that day for that trainee. Rate: present or late over marked slots and visits, excused "
             "absences left out.")


def _matrix_headers(matrix: AttendanceMatrix) -> list[str]:
    return [_("Country"), _("WHO region"), _("Family name"), _("Given name"), _("Name in native script"),
            _("Enrolment status"), *[day.day.isoformat() for day in matrix.days], _("Attendance rate (%)")]


def _matrix_rows(matrix: AttendanceMatrix) -> list[list]:
    return [
        [row.trainee.country.name, row.trainee.country.who_region, row.trainee.family_name, row.trainee.given_name,
         row.trainee.native_name, EnrolmentStatus(row.enrolment.status).label, *row.cells, _percent(row.rate)]
        for row in matrix.rows
    ]


# --- Writers -------------------------------------------------------------------------------------


def _csv(headers: list[str], rows: list[list], total: list | None = None) -> bytes:
    """UTF-8 with a BOM and formulas neutralised, exactly as the project's CSV exports."""
    dataset = tablib.Dataset(*rows, *([total] if total else []), headers=headers)
    return SafeCSV().export_data(dataset)


HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="DCE3EE")


def _sheet(workbook: Workbook, name: str, title: list[str], table: Table, *, widths: dict[int, float],
           freeze_column: int = 1) -> None:
    """One sheet: the report's title lines, a blank row, the table (header, rows, total), a note."""
    sheet = workbook.create_sheet(name)
    for index, line in enumerate(title, start=1):
        sheet.cell(row=index, column=1, value=neutralise_formula(line)).font = TITLE_FONT if index == 1 else Font()
    header_row = len(title) + 2
    sheet.append([])
    sheet.append([neutralise_formula(h) for h in table.headers])
    for cell in sheet[header_row]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append([neutralise_formula(value) for value in row])
    if table.total:
        sheet.append([neutralise_formula(value) for value in table.total])
        for cell in sheet[sheet.max_row]:
            cell.font = HEADER_FONT
    if table.note:
        sheet.append([])
        sheet.append([neutralise_formula(table.note)])
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=freeze_column)
    for column in range(1, len(table.headers) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = widths.get(column, widths.get(0, 12))


def _xlsx(sheets) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, title, table, widths, freeze in sheets:
        _sheet(workbook, name, title, table, widths=widths, freeze_column=freeze)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _pdf(context: dict) -> bytes:
    return html_to_pdf(render_to_string(TEMPLATE, context))


# --- The reports --------------------------------------------------------------------------------


def check_format(fmt: str) -> str:
    fmt = (fmt or "").lower()
    if fmt not in FORMATS:
        raise ValueError(_("Unknown report format “%(format)s” (use pdf, xlsx or csv).") % {"format": fmt})
    return fmt


def attendance_report(session: CourseSession, fmt: str, *, actor) -> tuple[bytes, str]:
    """A session's attendance: trainee-by-day matrix, rates, day totals, by country and WHO region.

    Returns the file's bytes and its extension. Raises ValueError for a format other than pdf, xlsx
    or csv.
    """
    fmt = check_format(fmt)
    matrix = attendance_matrix(session, actor=actor)
    if fmt == "csv":
        return _csv(_matrix_headers(matrix), _matrix_rows(matrix)), "csv"

    title = [_("Attendance report"), *_title_lines(session, matrix.generated_at)]
    summaries = _summary_tables(matrix)
    if fmt == "xlsx":
        attendance = Table(_("Attendance"), _matrix_headers(matrix), _matrix_rows(matrix),
                           first_numeric=6, note=_legend())
        day_widths = {1: 12, 2: 12, 0: 10}
        return _xlsx([
            ("Attendance", title, attendance, {1: 22, 2: 8, 3: 18, 4: 18, 5: 22, 6: 12, 0: 11}, 7),
            ("By day", title, _day_table(matrix), day_widths, 3),
            ("By country", title, summaries[0], {1: 26, 0: 14}, 2),
            ("By WHO region", title, summaries[1], {1: 10, 2: 30, 0: 14}, 3),
        ]), "xlsx"

    return _attendance_pdf(matrix, title, summaries), "pdf"


# The PDF's day columns. A cell per trainee and day is what makes a 150-trainee table slow in
# WeasyPrint (each cell is a box with its own style, layout and text run: about 2 ms apiece), so a
# trainee's days are one cell spanning the day columns, holding one line of fixed-width fields in
# a monospaced font: every field is exactly as wide as its column, which is sized in `ch` of that
# same font, and the letters line up under the day headers as in a table of cells. Absences are
# the only spans inside the line; a monospaced font keeps them the width of the plain letters.
DAY_FONT_PT = 7.5
DAYS_WIDTH_MM = 170  # what the day columns may take of the 277 mm of a line (A4 landscape, 10 mm margins)
MONO_ADVANCE_MM_PER_PT = 0.602 * 25.4 / 72  # DejaVu Sans Mono: every glyph 1233/2048 em wide
MAX_FIELD_CHARS = 12


def _day_geometry(matrix: AttendanceMatrix, totals: list[list[str]]) -> tuple[int, float]:
    """Characters per day field and the font size (pt) that fit the day columns into the page."""
    days = max(len(matrix.days), 1)
    longest = max([len(cell) for row in matrix.rows for cell in row.cells]
                  + [len(value) for line in totals for value in line] + [1])
    fitting = int(DAYS_WIDTH_MM / days / (DAY_FONT_PT * MONO_ADVANCE_MM_PER_PT))
    chars = max(longest + 2, min(fitting, MAX_FIELD_CHARS))
    font_pt = min(DAY_FONT_PT, DAYS_WIDTH_MM / days / chars / MONO_ADVANCE_MM_PER_PT)
    return chars, font_pt


def _day_strip(fields: list[str], chars: int) -> list[dict]:
    """One line of day fields, each centred in `chars` characters, as runs of text; a field with an
    absence is a run of its own, to be highlighted."""
    runs: list[dict] = []
    for value in fields:
        text = value.center(chars)
        absent = LETTERS[AttendanceStatus.ABSENT] in value
        if runs and not absent and not runs[-1]["absent"]:
            runs[-1]["text"] += text
        else:
            runs.append({"text": text, "absent": absent})
    return runs


def _attendance_pdf(matrix: AttendanceMatrix, title: list[str], summaries: list[Table]) -> bytes:
    statuses = [(AttendanceStatus(status).label, LETTERS[status], [str(d.marks[status]) for d in matrix.days])
                for status in STATUS_ORDER]
    if any(day.not_marked for day in matrix.days):
        statuses.append((_("Not marked"), NOT_MARKED, [str(d.not_marked) for d in matrix.days]))
    day_rates = [_percent_text(d.rate) for d in matrix.days]
    chars, font_pt = _day_geometry(matrix, [fields for _, _, fields in statuses] + [day_rates])
    return _pdf({
        "title": title[0],
        "subtitle": title[1:],
        "threshold": matrix.session.completion_threshold,
        "legend": _legend(),
        "matrix": matrix,
        "day_chars": chars,
        # A string made here: a number in a template would be localised ("7,5" in some languages).
        "day_font": f"{font_pt:.2f}pt",
        "day_headers": [
            {"weekday": formats.date_format(d.day, "D"), "date": formats.date_format(d.day, "j M"),
             "what": _occasions_label(d)}
            for d in matrix.days
        ],
        "countries": _pdf_country_groups(matrix, chars),
        "columns": len(matrix.days) + 2,
        "day_totals": [
            {"label": label, "letter": letter, "strip": _day_strip(fields, chars)}
            for label, letter, fields in statuses
        ],
        "day_rates": _day_strip(day_rates, chars),
        "total_rate": _percent_text(matrix.total.average),
        # The day totals are in the matrix already; the by-day sheet of the XLSX has the rest.
        "tables": summaries,
    })


def _pdf_country_groups(matrix: AttendanceMatrix, chars: int) -> list[dict]:
    """The matrix's rows under a heading row per country (rather than a country column: a cell per
    trainee less), striped within each country."""
    groups: list[dict] = []
    for row in matrix.rows:
        country = row.trainee.country
        if not groups or groups[-1]["country"] != country:
            groups.append({"country": country, "region": WhoRegion.label_of(country.who_region), "rows": []})
        rows = groups[-1]["rows"]
        native = row.trainee.native_name
        rows.append({
            "row": row,
            # A native name that only adds accents to the passport name still shows: it is how it is written.
            "native": native if native and native != f"{row.trainee.given_name} {row.trainee.family_name}" else "",
            "native_lang": native_name_language(native),
            "strip": _day_strip(row.cells, chars),
            "rate": _percent_text(row.rate),
            "alt": len(rows) % 2 == 1,
        })
    return groups


def _occasions_label(day: Day) -> str:
    parts = []
    if day.slots:
        parts.append(ngettext("%(n)s slot", "%(n)s slots", day.slots) % {"n": day.slots})
    if day.visits:
        parts.append(ngettext("%(n)s visit", "%(n)s visits", day.visits) % {"n": day.visits})
    return " + ".join(parts)


@dataclass
class CountryLine:
    code: str
    name: str
    region: str
    trainees: int
    enrolments: int
    took_part: int
    completed: int
    certificates: int

    @property
    def completion_rate(self) -> float | None:
        return 100.0 * self.completed / self.took_part if self.took_part else None

    def numbers(self) -> list:
        return [self.trainees, self.enrolments, self.took_part, self.completed, self.certificates,
                _percent(self.completion_rate)]


def _add_lines(code: str, name: str, region: str, lines: list[CountryLine]) -> CountryLine:
    return CountryLine(code, name, region, *[sum(getattr(line, f) for line in lines) for f in
                                             ("trainees", "enrolments", "took_part", "completed", "certificates")])


def country_lines(*, actor) -> list[CountryLine]:
    """Per country, across the sessions the actor may see, in one query: a trainee counts once however
    many sessions."""
    took_part = (EnrolmentStatus.ATTENDED, EnrolmentStatus.COMPLETED)
    aggregates = (
        access.visible(actor, Enrolment.objects.all())
        .values("trainee__country__code", "trainee__country__name", "trainee__country__who_region")
        .annotate(
            trainees=Count("trainee", distinct=True),
            enrolments=Count("pk"),
            took_part=Count("pk", filter=Q(status__in=took_part)),
            completed=Count("pk", filter=Q(status=EnrolmentStatus.COMPLETED)),
            certificates=Count("certificate", filter=Q(certificate__status=CertificateStatus.VALID)),
        )
        .order_by("trainee__country__name")
    )
    return [
        CountryLine(str(a["trainee__country__code"]), a["trainee__country__name"], a["trainee__country__who_region"],
                    a["trainees"], a["enrolments"], a["took_part"], a["completed"], a["certificates"])
        for a in aggregates
    ]


def _country_tables(lines: list[CountryLine]) -> list[Table]:
    numbers = [_("Trainees"), _("Enrolments"), _("Took part"), _("Completed"), _("Certificates issued"),
               _("Completion rate (%)")]
    note = _("Enrolments count every status; took part: attended or completed; completion rate: completed over "
             "took part; certificates: valid ones, revoked left out.")
    total = _add_lines("", _("Total"), "", lines)
    regions = defaultdict(list)
    for line in lines:
        regions[line.region].append(line)
    region_lines = [_add_lines(code, WhoRegion.label_of(code), code, regions[code])
                    for code in sorted(regions, key=lambda code: (not code, code))]
    return [
        Table(_("By country"), [_("Country"), _("ISO code"), _("WHO region"), *numbers],
              [[line.name, line.code, line.region, *line.numbers()] for line in lines],
              total=[_("Total"), "", "", *total.numbers()], first_numeric=3, note=note),
        Table(_("By WHO region"), [_("WHO region"), _("Region"), *numbers],
              [[line.code, line.name, *line.numbers()] for line in region_lines],
              total=[_("Total"), "", *total.numbers()], first_numeric=2, note=note),
    ]


def country_report(fmt: str = "xlsx", *, actor) -> tuple[bytes, str]:
    """Trainees, enrolments, completions and certificates by country and WHO region, all sessions,
    in two queries.

    Returns the file's bytes and its extension. Raises ValueError for a format other than xlsx, csv
    or pdf.
    """
    fmt = check_format(fmt)
    by_country, by_region = _country_tables(country_lines(actor=actor))
    if fmt == "csv":
        return _csv(by_country.headers, by_country.rows, by_country.total), "csv"
    generated_at = timezone.localtime()
    sessions = CourseSession.objects.aggregate(count=Count("pk"), first=Min("start_date"), last=Max("end_date"))
    span = (ngettext("%(count)s course session", "%(count)s course sessions", sessions["count"])
            % {"count": sessions["count"]})
    if sessions["count"]:
        span += f" · {date_range(sessions['first'], sessions['last'])}"
    title = [
        _("Trainees by country, all sessions"),
        span,
        _("Generated %(when)s") % {"when": formats.date_format(generated_at, "j F Y, H:i")},
    ]
    if fmt == "xlsx":
        return _xlsx([
            ("By country", title, by_country, {1: 26, 0: 13}, 2),
            ("By WHO region", title, by_region, {1: 10, 2: 30, 0: 13}, 3),
        ]), "xlsx"
    return _pdf({"title": title[0], "subtitle": title[1:], "tables": [by_country, by_region]}), "pdf"


# --- A facility visit's participants and bus manifest ---------------------------------------------


MANIFEST_FORMATS = ("pdf", "xlsx")


def visit_manifest(visit: FacilityVisit, fmt: str, *, actor) -> tuple[bytes, str]:
    """The participants of a visit as the bus company and the host need them: passport name, country,
    organisation, dietary needs, then those waiting for a place. Three queries whatever the list.

    Returns the file's bytes and its extension. Raises ValueError for a format other than pdf or xlsx,
    PermissionDenied unless the visit is the actor's to see.
    """
    from cohorts.models import VisitWaitlistEntry

    fmt = (fmt or "").lower()
    if fmt not in MANIFEST_FORMATS:
        raise ValueError(_("Unknown report format “%(format)s” (use pdf, xlsx or csv).") % {"format": fmt})
    access.require(actor, access.Action.VIEW, visit)
    visit = FacilityVisit.objects.select_related("host", "session").get(pk=visit.pk)
    headers = [_("No."), _("Name (as in the passport)"), _("Country"), _("Organisation"), _("Dietary needs")]

    def line(number, trainee):
        return [number, trainee.full_name, trainee.country.name, trainee.organisation.name if trainee.organisation
                else "", trainee.dietary_needs or "–"]

    participants = Enrolment.objects.filter(visits=visit).select_related(
        "trainee__country", "trainee__organisation").order_by("trainee__family_name", "trainee__given_name", "pk")
    rows = [line(number, e.trainee) for number, e in enumerate(participants, start=1)]
    waiting = VisitWaitlistEntry.objects.filter(visit=visit).select_related(
        "enrolment__trainee__country", "enrolment__trainee__organisation")
    waiting_rows = [line(number, entry.enrolment.trainee) for number, entry in enumerate(waiting, start=1)]
    when = timezone.localtime(visit.starts_at)
    meets = timezone.localtime(visit.meets_at or visit.starts_at)
    title = [
        _("Visit to %(site)s (%(host)s)") % {"site": visit.site, "host": visit.host.name},
        f"{visit.session.code} · {formats.date_format(when, 'j F Y, H:i')}",
        _("Meet at %(place)s, %(time)s") % {"place": visit.meeting_point or visit.session.venue,
                                            "time": formats.time_format(meets, "H:i")},
        _("%(count)s of %(capacity)s places taken") % {"count": len(rows), "capacity": visit.capacity},
    ]
    tables = [Table(_("Participants and bus manifest"), headers, rows, first_numeric=len(headers))]
    if waiting_rows:
        tables.append(Table(_("Waiting list, in order"), headers, waiting_rows, first_numeric=len(headers)))
    if fmt == "xlsx":
        widths = {1: 6, 2: 30, 3: 20, 4: 34, 5: 34}
        return _xlsx([(str(table.title)[:31], title, table, widths, 3) for table in tables]), "xlsx"
    return _pdf({"title": title[0], "subtitle": title[1:], "tables": tables}), "pdf"
