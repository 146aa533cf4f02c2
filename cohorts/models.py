import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from curriculum.models import Course, FacultyMember, Module
from hubportal.dates import date_range
from trainees.models import Organisation, Trainee


class SessionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open for nominations")
    RUNNING = "running", _("Running")
    CLOSED = "closed", _("Closed")


class CourseSession(models.Model):
    """One run of a course, with its dates, venue and cohort: e.g. BDM-2022-07."""

    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]+(-[A-Z0-9]+)*$",
                _("Use capital letters, digits and hyphens, for example BDM-2022-07."),
            )
        ],
    )
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    venue = models.CharField(_("venue"), max_length=255)
    capacity = models.PositiveIntegerField(_("capacity"), help_text=_("Most confirmed trainees."))
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    completion_threshold = models.PositiveSmallIntegerField(
        _("attendance needed for completion (%)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    grace_minutes = models.PositiveSmallIntegerField(
        _("minutes before a check-in counts as late"), default=10,
        help_text=_("A trainee who checks in by QR code later than this after a slot starts is marked late."),
    )

    class Meta:
        verbose_name = _("course session")
        verbose_name_plural = _("course sessions")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_date__lte=models.F("end_date")),
                name="session_starts_before_it_ends",
                violation_error_message=_("The session cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0),
                name="session_capacity_positive",
                violation_error_message=_("Capacity must be at least one."),
            ),
            models.CheckConstraint(
                condition=models.Q(completion_threshold__gte=1, completion_threshold__lte=100),
                name="session_completion_threshold_is_a_percentage",
            ),
        ]

    def __str__(self):
        # The code alone: it names the session uniquely, and lists of sessions need no join.
        return self.code

    @property
    def dates(self) -> str:
        """The session's days as printed: 18 – 29 July 2022."""
        return date_range(self.start_date, self.end_date)

    def audit_subjects(self) -> dict:
        return {"session": self.pk}


class TimetableSlot(models.Model):
    """A block of the session's timetable. It lives here, beside its session, rather than in the
    curriculum app, because the curriculum must not depend on cohorts."""

    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="slots"
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("starts"))
    end_time = models.TimeField(_("ends"))
    module = models.ForeignKey(
        Module,
        verbose_name=_("module"),
        on_delete=models.PROTECT,
        related_name="slots",
        null=True,
        blank=True,
        help_text=_("Empty for ceremonies and networking."),
    )
    title = models.CharField(_("title"), max_length=200)
    room = models.CharField(_("room"), max_length=100, blank=True)
    faculty = models.ForeignKey(
        FacultyMember,
        verbose_name=_("faculty member"),
        on_delete=models.PROTECT,
        related_name="slots",
        null=True,
        blank=True,
    )
    # A slot that starts late, or is moved on the day, takes check-ins for a while from when staff say.
    check_in_opened_at = models.DateTimeField(
        _("check-in opened by hand at"), null=True, blank=True, editable=False,
        help_text=_("Set from the check-in screen: check-in stays open for 30 minutes from then."),
    )

    class Meta:
        verbose_name = _("timetable slot")
        verbose_name_plural = _("timetable")
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start_time__lt=models.F("end_time")),
                name="slot_starts_before_it_ends",
                violation_error_message=_("A slot must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["session", "date", "start_time"], name="slot_unique_start_per_session"
            ),
        ]

    def __str__(self):
        return f"{self.date:%d %b %Y} {self.start_time:%H:%M} {self.title}"

    def audit_subjects(self) -> dict:
        return {"session": self.session_id}

    def clean(self):
        super().clean()
        session = self.session if self.session_id else None
        if session and self.date and not (session.start_date <= self.date <= session.end_date):
            raise ValidationError(
                {"date": _("The date must fall within the session (%(start)s to %(end)s).")
                 % {"start": session.start_date, "end": session.end_date}}
            )
        if self.module_id and session and self.module.course_id != session.course_id:
            raise ValidationError({"module": _("The module belongs to another course.")})


class EnrolmentStatus(models.TextChoices):
    NOMINATED = "nominated", _("Nominated")
    SELECTED = "selected", _("Selected")
    CONFIRMED = "confirmed", _("Confirmed")
    ATTENDED = "attended", _("Attended")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_SHOW = "no_show", _("No-show")


# The only moves an enrolment can make. Withdrawal is possible until the course is completed;
# a no-show only makes sense for someone who had confirmed.
ENROLMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    EnrolmentStatus.NOMINATED: frozenset({EnrolmentStatus.SELECTED, EnrolmentStatus.WITHDRAWN}),
    EnrolmentStatus.SELECTED: frozenset({EnrolmentStatus.CONFIRMED, EnrolmentStatus.WITHDRAWN}),
    EnrolmentStatus.CONFIRMED: frozenset(
        {EnrolmentStatus.ATTENDED, EnrolmentStatus.WITHDRAWN, EnrolmentStatus.NO_SHOW}
    ),
    EnrolmentStatus.ATTENDED: frozenset({EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN}),
    EnrolmentStatus.COMPLETED: frozenset(),
    EnrolmentStatus.WITHDRAWN: frozenset(),
    EnrolmentStatus.NO_SHOW: frozenset(),
}

# The main path, in order: an enrolment may be walked forward along it, one recorded step at a time.
ENROLMENT_PATH = (
    EnrolmentStatus.NOMINATED,
    EnrolmentStatus.SELECTED,
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.ATTENDED,
    EnrolmentStatus.COMPLETED,
)


def enrolment_steps(current: str, target: str) -> list[str] | None:
    """The recorded steps that take an enrolment from `current` to `target`: none when they are the
    same, one allowed move, or a walk forward along the main path; None when `target` cannot be reached."""
    if target == current:
        return []
    if target in ENROLMENT_TRANSITIONS[current]:
        return [target]
    if current in ENROLMENT_PATH and target in ENROLMENT_PATH:
        start, end = ENROLMENT_PATH.index(current), ENROLMENT_PATH.index(target)
        if end > start:
            return list(ENROLMENT_PATH[start + 1 : end + 1])
    return None


# Statuses that hold one of the session's seats.
SEAT_HOLDING_STATUSES = (
    EnrolmentStatus.CONFIRMED,
    EnrolmentStatus.ATTENDED,
    EnrolmentStatus.COMPLETED,
)


def seats_change(current: str, target: str) -> int:
    """How many seats a move from `current` to `target` takes (1), frees (-1) or leaves alone (0)."""
    return (target in SEAT_HOLDING_STATUSES) - (current in SEAT_HOLDING_STATUSES)


class NominatingBody(models.TextChoices):
    WHO = "who", _("WHO")
    NATIONAL_AUTHORITY = "national_authority", _("National authority")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class Enrolment(models.Model):
    trainee = models.ForeignKey(
        Trainee, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="enrolments"
    )
    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="enrolments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.NOMINATED
    )
    nominated_by = models.CharField(
        _("nominated by"), max_length=32, choices=NominatingBody.choices, blank=True
    )
    nominating_body_name = models.CharField(
        _("nominating body"), max_length=200, blank=True,
        help_text=_("The authority or company by name, where it matters."),
    )
    status_changed_at = models.DateTimeField(_("status changed"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # When the trainee and their coordinators were told that one more absence costs the certificate:
    # the warning goes once (attendance_warn_at_risk).
    at_risk_warned_at = models.DateTimeField(_("warned of the attendance needed"), null=True, blank=True,
                                             editable=False)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["session", "trainee__family_name", "trainee__given_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["trainee", "session"],
                name="enrolment_one_per_trainee_and_session",
                violation_error_message=_("This trainee is already enrolled in this session."),
            ),
        ]
        indexes = [models.Index(fields=["session", "status"])]

    def __str__(self):
        return f"{self.trainee} – {self.session.code}"

    def can_move_to(self, status: str) -> bool:
        return status in ENROLMENT_TRANSITIONS[self.status]

    def audit_subjects(self) -> dict:
        return {"trainee": self.trainee_id, "session": self.session_id}


class EnrolmentStatusChange(models.Model):
    """When and by whom an enrolment moved from one status to another."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=EnrolmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=EnrolmentStatus.choices)
    changed_at = models.DateTimeField(_("when"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["changed_at", "id"]

    def __str__(self):
        return f"{self.from_status or '–'} → {self.to_status}"


class FacilityVisit(models.Model):
    """A visit of a session's trainees to a vaccine or medicine production facility."""

    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="visits"
    )
    host = models.ForeignKey(
        Organisation, verbose_name=_("host organisation"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.CharField(_("site"), max_length=255)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    meeting_point = models.CharField(
        _("meeting point"), max_length=255, blank=True,
        help_text=_("Where the trainees gather to leave, for example the bus stop in front of the venue."),
    )
    meets_at = models.DateTimeField(_("meeting time"), null=True, blank=True,
                                    help_text=_("When they gather; empty: at the start of the visit."))
    capacity = models.PositiveIntegerField(_("capacity"))
    participants = models.ManyToManyField(
        Enrolment, verbose_name=_("participants"), related_name="visits", blank=True
    )

    class Meta:
        verbose_name = _("facility visit")
        verbose_name_plural = _("facility visits")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")),
                name="visit_starts_before_it_ends",
                violation_error_message=_("A visit must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gt=0),
                name="visit_capacity_positive",
                violation_error_message=_("Capacity must be at least one."),
            ),
        ]

    def __str__(self):
        return f"{self.host} – {self.site} ({self.starts_at:%d %b %Y})"

    def audit_subjects(self) -> dict:
        return {"session": self.session_id}


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    ABSENT = "absent", _("Absent")
    EXCUSED = "excused", _("Excused")


# Present and late count as attended; excused absences leave the rate's denominator.
ATTENDED_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def absences_allowed(*, attended: int, counted: int, remaining: int, threshold: int) -> int | None:
    """How many more of the `remaining` unmarked occasions a trainee may miss and still reach the
    `threshold` (%) of attendance; None when even attending all of them would not reach it. `counted`
    is the occasions marked, excused ones left out. The trainee's attendance page and the warning
    that one more absence costs the certificate both use this rule."""
    total = counted + remaining
    if total == 0:
        return None
    # attended + remaining - missed >= threshold% of total (excused absences aside)
    allowance = attended + remaining - math.ceil(threshold * total / 100 - 1e-9)
    if allowance < 0:
        return None
    return min(allowance, remaining)


class AttendanceSource(models.TextChoices):
    """How a mark was taken."""

    ROLL_CALL = "roll_call", _("Roll call")
    QR = "qr", _("QR check-in")
    IMPORT = "import", _("Import")
    EXCUSE = "excuse", _("Excuse")
    ADMIN = "admin", _("Administration")


class AttendanceRecord(models.Model):
    """Whether a trainee was at one timetable slot or one facility visit."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="attendance"
    )
    slot = models.ForeignKey(
        TimetableSlot, verbose_name=_("slot"), on_delete=models.CASCADE,
        related_name="attendance", null=True, blank=True,
    )
    visit = models.ForeignKey(
        FacilityVisit, verbose_name=_("visit"), on_delete=models.CASCADE,
        related_name="attendance", null=True, blank=True,
    )
    status = models.CharField(_("status"), max_length=16, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("marked by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )
    marked_at = models.DateTimeField(_("marked"))
    # Provenance: a roll call taken offline reaches the server later than it was taken; the mark
    # taken last wins, whichever arrives last (attendance_take).
    source = models.CharField(_("how"), max_length=16, choices=AttendanceSource.choices,
                              default=AttendanceSource.ADMIN)
    taken_at = models.DateTimeField(_("taken"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    client_id = models.CharField(_("client id"), max_length=64, blank=True,
                                 help_text=_("The id the browser gave the mark: a mark sent twice is stored once."))

    class Meta:
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(slot__isnull=False, visit__isnull=True)
                    | models.Q(slot__isnull=True, visit__isnull=False)
                ),
                name="attendance_for_exactly_one_slot_or_visit",
                violation_error_message=_("Attendance is for one timetable slot or one visit."),
            ),
            models.UniqueConstraint(
                fields=["enrolment", "slot"],
                condition=models.Q(slot__isnull=False),
                name="attendance_once_per_enrolment_and_slot",
                violation_error_message=_("Attendance for this slot is already recorded."),
            ),
            models.UniqueConstraint(
                fields=["enrolment", "visit"],
                condition=models.Q(visit__isnull=False),
                name="attendance_once_per_enrolment_and_visit",
                violation_error_message=_("Attendance for this visit is already recorded."),
            ),
        ]

    def __str__(self):
        return f"{self.enrolment.trainee} – {self.slot or self.visit}: {self.get_status_display()}"

    def audit_subjects(self) -> dict:
        return self.enrolment.audit_subjects()


class Announcement(models.Model):
    """A notice hub staff write for the trainees of one session, or of every session: shown on each
    trainee's start page once published."""

    session = models.ForeignKey(
        CourseSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="announcements",
        null=True, blank=True, help_text=_("Empty: for the trainees of every session."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    published_at = models.DateTimeField(
        _("published"), default=timezone.now, db_index=True,
        help_text=_("Trainees see it from this moment; a later one schedules it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-published_at", "-id"]

    def __str__(self):
        return self.title

    def audit_subjects(self) -> dict:
        return {"session": self.session_id}


class ExcuseStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Excused")
    REFUSED = "refused", _("Refused")


def _excuse_file_name(instance, filename: str) -> str:
    # A random name, never the trainee's: the file is served only by the checked download view.
    import secrets

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"excuses/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}.{extension}"


class ExcuseRequest(models.Model):
    """A trainee's request that an absence from one slot or visit be excused, and its decision."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="excuse_requests"
    )
    slot = models.ForeignKey(
        TimetableSlot, verbose_name=_("slot"), on_delete=models.CASCADE, related_name="excuse_requests",
        null=True, blank=True,
    )
    visit = models.ForeignKey(
        FacilityVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="excuse_requests",
        null=True, blank=True,
    )
    reason = models.TextField(_("reason"), max_length=2000)
    attachment = models.FileField(_("supporting document"), upload_to=_excuse_file_name, blank=True,
                                  max_length=200)
    attachment_type = models.CharField(_("document type"), max_length=64, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=ExcuseStatus.choices,
                              default=ExcuseStatus.PENDING)
    requested_at = models.DateTimeField(_("asked"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("excuse request")
        verbose_name_plural = _("excuse requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(slot__isnull=False, visit__isnull=True)
                    | models.Q(slot__isnull=True, visit__isnull=False)
                ),
                name="excuse_for_exactly_one_slot_or_visit",
                violation_error_message=_("An excuse is for one timetable slot or one visit."),
            ),
            models.UniqueConstraint(
                fields=["enrolment", "slot"], condition=models.Q(slot__isnull=False, status="pending"),
                name="excuse_one_pending_per_slot",
                violation_error_message=_("An excuse for this slot is already waiting for a decision."),
            ),
            models.UniqueConstraint(
                fields=["enrolment", "visit"], condition=models.Q(visit__isnull=False, status="pending"),
                name="excuse_one_pending_per_visit",
                violation_error_message=_("An excuse for this visit is already waiting for a decision."),
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.enrolment.trainee} – {self.slot or self.visit}"

    @property
    def occasion(self):
        return self.slot or self.visit

    def audit_subjects(self) -> dict:
        return self.enrolment.audit_subjects()


class VisitWaitlistEntry(models.Model):
    """A trainee waiting for a place on a full facility visit; the first in line takes the place a
    participant gives up. The visit's participants are the confirmed list."""

    visit = models.ForeignKey(
        FacilityVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="waitlist"
    )
    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="visit_waitlist"
    )
    joined_at = models.DateTimeField(_("joined the waiting list"), default=timezone.now)

    class Meta:
        verbose_name = _("waiting list place")
        verbose_name_plural = _("waiting list")
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "enrolment"], name="waitlist_once_per_visit_and_enrolment",
                                    violation_error_message=_("This trainee is already on the waiting list.")),
        ]

    def __str__(self):
        return f"{self.enrolment.trainee} – {self.visit}"

    def audit_subjects(self) -> dict:
        return self.enrolment.audit_subjects()
