"""Reads for pages and reports, with their joins done up front so query counts stay flat."""

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast

from hubportal import access

from .models import ATTENDED_STATUSES, AttendanceStatus, CourseSession, Enrolment


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
