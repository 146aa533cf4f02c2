"""Who may receive a certificate, and the reads behind the certificate pages."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CourseSession, Enrolment, EnrolmentStatus
from cohorts.selectors import enrolment_list

# Statuses whose trainees may qualify by attendance once the session has ended.
_BY_ATTENDANCE = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.ATTENDED)


@dataclass(frozen=True)
class Eligibility:
    enrolment: Enrolment
    eligible: bool
    reason: str


def enrolment_eligibility(enrolment: Enrolment, session: CourseSession, today: dt.date) -> Eligibility:
    """Whether one enrolment (annotated with attendance_rate) earns a certificate, and why (not)."""
    rate = getattr(enrolment, "attendance_rate", None)
    threshold = session.completion_threshold
    if enrolment.trainee.is_anonymised:
        return Eligibility(enrolment, False, _("their personal data was erased at their request"))
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return Eligibility(enrolment, True, _("completed the course"))
    if enrolment.status not in _BY_ATTENDANCE:
        return Eligibility(enrolment, False, _("enrolment is “%(status)s”") % {"status": enrolment.get_status_display()})
    if session.end_date >= today:
        return Eligibility(enrolment, False, _("the session ends on %(day)s") % {"day": session.end_date.isoformat()})
    if rate is None:
        return Eligibility(enrolment, False, _("no attendance recorded"))
    if rate < threshold:
        return Eligibility(enrolment, False, _("attendance %(rate).0f%% is below %(threshold)s%%") % {
            "rate": rate, "threshold": threshold})
    return Eligibility(enrolment, True, _("attendance %(rate).0f%% reaches %(threshold)s%%") % {
        "rate": rate, "threshold": threshold})


def session_eligibility(session: CourseSession, *, actor, today: dt.date | None = None) -> list[Eligibility]:
    """Every enrolment of the session the actor may see, with whether it earns a certificate; one query."""
    today = today or timezone.localdate()
    return [enrolment_eligibility(e, session, today) for e in enrolment_list(actor=actor, session=session)]
