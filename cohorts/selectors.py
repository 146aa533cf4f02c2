"""Reads for pages and reports, with their joins done up front so query counts stay flat."""

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, NullIf
from django_countries import countries

from hubportal import access

from .models import (
    ATTENDED_STATUSES,
    SEAT_HOLDING_STATUSES,
    AttendanceStatus,
    CourseSession,
    Enrolment,
    FacilityVisit,
    TimetableSlot,
)


def _with_attendance(queryset: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """Annotate attended, counted (records less excused) and attendance_rate in percent (or None).

    The rate is present-or-late over the slots and visits marked for the trainee, leaving excused
    absences out, so that a slot nobody has marked yet does not count against anyone.
    """
    queryset = queryset.annotate(
        attended_count=Count("attendance", filter=Q(attendance__status__in=ATTENDED_STATUSES)),
        counted_count=Count("attendance", filter=~Q(attendance__status=AttendanceStatus.EXCUSED)),
    )
    return queryset.annotate(
        attendance_rate=Case(
            When(counted_count=0, then=Value(None, output_field=FloatField())),
            default=ExpressionWrapper(
                Value(100.0) * Cast(F("attended_count"), FloatField())
                / Cast(F("counted_count"), FloatField()),
                output_field=FloatField(),
            ),
            output_field=FloatField(),
        )
    )


def session_list(*, actor) -> QuerySet[CourseSession]:
    """The sessions the actor may see (hub staff: all; a coordinator: theirs; a trainee: their own), newest first."""
    return access.visible(actor, CourseSession.objects.select_related("course")).order_by("-start_date", "code")


def enrolment_list(*, actor, session=None) -> QuerySet[Enrolment]:
    """Enrolments with trainee, session and attendance rate, of the sessions the actor may see.

    actor None is the system (the demo seed, a command): a caller says so.
    """
    queryset = access.visible(actor, Enrolment.objects.select_related(
        "trainee__country", "trainee__organisation", "session__course"
    ))
    if session is not None:
        queryset = queryset.filter(session=session)
    return _with_attendance(queryset)


def enrolment_attendance_rate(enrolment: Enrolment) -> float | None:
    """The attendance rate of one enrolment, in percent; None while nothing is marked."""
    return _with_attendance(Enrolment.objects.filter(pk=enrolment.pk)).values_list(
        "attendance_rate", flat=True
    ).get()


# --- Roll call ---------------------------------------------------------------------------------


def roll_call_occasion(*, actor, kind: str, pk: int):
    """The slot ("slot") or visit ("visit") whose attendance the actor may take, with its session;
    None when it is not theirs (a coordinator's other sessions, any trainee)."""
    model = TimetableSlot if kind == "slot" else FacilityVisit
    occasion = access.visible(actor, model.objects.select_related("session")).filter(pk=pk).first()
    if occasion is None or not access.may_act_on_session(actor, access.Action.CHANGE, occasion.session_id):
        return None
    return occasion


def _expected(occasion) -> QuerySet[Enrolment]:
    """Who is expected at a slot (the session's confirmed trainees) or a visit (its participants)."""
    if isinstance(occasion, TimetableSlot):
        return Enrolment.objects.filter(session_id=occasion.session_id, status__in=SEAT_HOLDING_STATUSES)
    return occasion.participants.all()


def _expected_with_marks(occasion) -> QuerySet[Enrolment]:
    """Who is expected at a slot or a visit, each joined to their mark there (`mark`, empty when none):
    a left join, which PostgreSQL answers by a hash join whatever its statistics say. (A NOT EXISTS per
    trainee, planned on stale statistics of a slot just marked, scanned the slot's marks once per
    trainee: a second for 5,000.)"""
    on_occasion = Q(attendance__slot=occasion) if isinstance(occasion, TimetableSlot) else Q(attendance__visit=occasion)
    return _expected(occasion).annotate(mark=FilteredRelation("attendance", condition=on_occasion))


def roll_call_counts(occasion) -> dict:
    """{"expected": n, "unmarked": n} of a slot or visit, counted by PostgreSQL in one query: the
    roll-call page shows them before its script has fetched the rows."""
    return _expected_with_marks(occasion).aggregate(expected=Count("pk"),
                                                     unmarked=Count("pk", filter=Q(mark__id__isnull=True)))


# The roll call's rows, as lists: a session of 5,000 sends a third of the bytes of named fields, and
# is encoded in a third of the time. The phone's script names the fields again (static/cohorts/roll-call.js).
ROLL_CALL_COLUMNS = ("enrolment", "called", "family_name", "country", "status", "taken_at")


def roll_call_rows(occasion) -> tuple[list[list], dict[str, str]]:
    """Who is expected at a slot or a visit, with their mark so far ("" and None when unmarked), as
    rows of ROLL_CALL_COLUMNS, and the names of their countries by code: one query whatever the cohort."""
    rows = [[pk, called, family_name, country, status or "", taken_at.isoformat() if taken_at else None]
            for pk, called, family_name, country, status, taken_at in _expected_with_marks(occasion).annotate(
                called=Coalesce(NullIf("trainee__preferred_name", Value("")), "trainee__given_name"),
            ).order_by("trainee__family_name", "trainee__given_name", "pk").values_list(
                "pk", "called", "trainee__family_name", "trainee__country__code", "mark__status", "mark__taken_at")]
    names = {code: countries.name(code) or code for code in {row[3] for row in rows}}
    return rows, names


def check_in_slots_today(*, actor, today, opened_since=None) -> list[int]:
    """The ids of the slots of the actor's (a trainee's) sessions where a typed check-in code may point:
    today's, and those staff opened by hand since `opened_since`."""
    on_now = Q(date=today)
    if opened_since is not None:
        on_now |= Q(check_in_opened_at__gte=opened_since)
    return list(TimetableSlot.objects.filter(on_now, session__enrolments__trainee__user=actor)
                .values_list("pk", flat=True).distinct())
