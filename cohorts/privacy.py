"""A trainee's enrolments and attendance in their data file and in its erasure, and the retention
rule: how long after their last session the hub keeps a trainee's personal data.

Enrolments, status history and attendance stay when a trainee is anonymised (the statistics count
them); the free text on them goes.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hubportal import access, privacy
from hubportal.audit import subjects
from hubportal.outbox.models import OutboundEmail
from hubportal.outbox.services import email_queue
from hubportal.users.roles import Role
from trainees.models import Trainee

from .models import AttendanceRecord, CourseSession, Enrolment, EnrolmentStatusChange

# --- The trainee's data file and its erasure -----------------------------------------------------


def _export_enrolments(trainee: Trainee) -> list[dict]:
    enrolments = (
        Enrolment.objects.filter(trainee=trainee)
        .select_related("session__course")
        .prefetch_related(
            "status_changes",
            "visits__host",
            Prefetch("attendance", queryset=AttendanceRecord.objects.select_related("slot", "visit__host")
                     .order_by("slot__date", "slot__start_time", "visit__starts_at", "pk")),
        )
        .order_by("session__start_date", "pk")
    )
    return [
        {
            "session": {
                "code": enrolment.session.code,
                "course": enrolment.session.course.title,
                "start_date": enrolment.session.start_date,
                "end_date": enrolment.session.end_date,
                "venue": enrolment.session.venue,
            },
            "status": enrolment.status,
            "nominated_by": enrolment.nominated_by,
            "nominating_body_name": enrolment.nominating_body_name,
            "enrolled_at": enrolment.created_at,
            "status_changed_at": enrolment.status_changed_at,
            "status_history": [
                {"from": change.from_status, "to": change.to_status, "at": change.changed_at, "note": change.note}
                for change in enrolment.status_changes.all()
            ],
            "facility_visits": [
                {"host": str(visit.host), "site": visit.site, "starts_at": visit.starts_at, "ends_at": visit.ends_at}
                for visit in enrolment.visits.all()
            ],
            "attendance": [_attendance(record) for record in enrolment.attendance.all()],
        }
        for enrolment in enrolments
    ]


def _attendance(record: AttendanceRecord) -> dict:
    if record.slot is not None:
        occasion = {"date": record.slot.date, "starts": record.slot.start_time, "ends": record.slot.end_time,
                    "title": record.slot.title}
    else:
        occasion = {"date": timezone.localdate(record.visit.starts_at), "starts": record.visit.starts_at,
                    "ends": record.visit.ends_at, "title": f"{record.visit.host} – {record.visit.site}"}
    return {**occasion, "status": record.status, "marked_at": record.marked_at}


def _prepare_enrolments(erasure: privacy.Erasure) -> None:
    erasure.personal_fields.update({"nominating_body_name", "note"})
    enrolments = Enrolment.objects.filter(trainee=erasure.trainee)
    erasure.concerns(Enrolment, enrolments.values_list("pk", flat=True))
    erasure.concerns(AttendanceRecord, AttendanceRecord.objects.filter(enrolment__in=enrolments)
                     .values_list("pk", flat=True))


def _erase_enrolments(erasure: privacy.Erasure) -> None:
    """Free text goes (who nominated them by name, notes on their path); statuses, dates and
    attendance stay."""
    enrolments = Enrolment.objects.filter(trainee=erasure.trainee)
    erasure.count("enrolment_texts", enrolments.exclude(nominating_body_name="").update(nominating_body_name=""))
    erasure.count("status_notes", EnrolmentStatusChange.objects.filter(enrolment__in=enrolments).exclude(note="")
                  .update(note=""))


privacy.register(privacy.PersonalDataPart("enrolments", order=20, export=_export_enrolments,
                                          prepare=_prepare_enrolments, erase=_erase_enrolments))


def _session_names(ids) -> dict[int, str]:
    return dict(CourseSession.objects.filter(pk__in=ids).values_list("pk", "code"))


subjects.register(subjects.Subject("session", names=_session_names))


# --- Retention -------------------------------------------------------------------------------


def retention_cutoff(today: dt.date) -> dt.date:
    """The day TRAINEE_RETENTION_YEARS years before `today` (28 February for a 29th)."""
    years = settings.TRAINEE_RETENTION_YEARS
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def trainees_past_retention(*, actor, today: dt.date | None = None) -> QuerySet[Trainee]:
    """The trainees, not anonymised yet, whose last session ended more than TRAINEE_RETENTION_YEARS
    years before `today` (one who was never enrolled: registered that long ago), among those the actor
    may see; each annotated with `last_day` and the code of that session, `last_session` (None
    without one), oldest first."""
    cutoff = retention_cutoff(today or timezone.localdate())
    last_day = Coalesce(Max("enrolments__session__end_date"), TruncDate("created_at"))
    last_enrolment = Enrolment.objects.filter(trainee=OuterRef("pk")).order_by("-session__end_date", "-pk")
    due = Trainee.objects.filter(anonymised_at=None).annotate(last_day=last_day).filter(last_day__lt=cutoff)
    # By id, so that the actor's scope (a join of its own) does not multiply the rows Max reads.
    return (access.visible(actor, Trainee.objects.filter(pk__in=due.values("pk")))
            .select_related("country")
            .annotate(last_day=last_day, last_session=Subquery(last_enrolment.values("session__code")[:1]))
            .order_by("last_day", "pk"))


# The email names no one: it lists trainees by id, country and last session, and staff see who they
# are in the admin. A name in an email would outlive the anonymisation it asks for.
RETENTION_EMAIL_LISTED = 200


def trainees_retention_notify(*, today: dt.date | None = None) -> OutboundEmail | None:
    """Email the hub staff the trainees past retention, with the link to that list in the admin,
    where they anonymise them (nothing is anonymised here). Returns the email queued: None when
    nobody is past retention, or no active hub staff (nor superuser) has an address to write to."""
    due = list(trainees_past_retention(actor=None, today=today)[: RETENTION_EMAIL_LISTED + 1])
    if not due:
        return None
    staff = (get_user_model().objects.filter(is_active=True).exclude(email="")
             .filter(Q(groups__name=Role.HUB_STAFF) | Q(is_superuser=True)).distinct().order_by("email"))
    recipients = list(staff.values_list("email", flat=True))
    if not recipients:
        return None
    listed = due[:RETENTION_EMAIL_LISTED]
    total = trainees_past_retention(actor=None, today=today).count() if len(due) > len(listed) else len(due)
    base = settings.PORTAL_BASE_URL.rstrip("/")
    context = {
        "years": settings.TRAINEE_RETENTION_YEARS,
        "total": total,
        "trainees": listed,
        "more": total - len(listed),
        "list_url": base + reverse("admin:trainees_trainee_changelist") + "?retention=past",
        "base": base,
    }
    return email_queue(
        to=recipients,
        subject=ngettext("%(count)d trainee is past the retention period", "%(count)d trainees are past the "
                         "retention period", total) % {"count": total},
        body=render_to_string("cohorts/email_past_retention.txt", context),
    )


def retention_label() -> str:
    return _("Past retention (%(years)s years after their last session)") % {
        "years": settings.TRAINEE_RETENTION_YEARS}
