"""Who may receive a certificate, and the reads behind the certificate pages."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CourseSession, Enrolment, EnrolmentStatus
from cohorts.selectors import enrolment_list

# Statuses whose trainees may qualify by attendance once the session has ended.
BY_ATTENDANCE = (EnrolmentStatus.CONFIRMED, EnrolmentStatus.ATTENDED)


@dataclass(frozen=True)
class Eligibility:
    enrolment: Enrolment
    eligible: bool
    reason: str


def certificate_earned(*, status: str, anonymised: bool, rate: float | None, ends: dt.date, threshold: int,
                       today: dt.date) -> bool:
    """Whether an enrolment earns a certificate, from plain values: the rule of enrolment_eligibility,
    for a read that counts thousands of enrolments (the dashboard) without building their objects."""
    if anonymised:
        return False
    if status == EnrolmentStatus.COMPLETED:
        return True
    return status in BY_ATTENDANCE and ends < today and rate is not None and rate >= threshold


def enrolment_eligibility(enrolment: Enrolment, session: CourseSession, today: dt.date) -> Eligibility:
    """Whether one enrolment (annotated with attendance_rate) earns a certificate, and why (not)."""
    rate = getattr(enrolment, "attendance_rate", None)
    threshold = session.completion_threshold
    eligible = certificate_earned(status=enrolment.status, anonymised=enrolment.trainee.is_anonymised, rate=rate,
                                  ends=session.end_date, threshold=threshold, today=today)
    if enrolment.trainee.is_anonymised:
        return Eligibility(enrolment, eligible, _("their personal data was erased at their request"))
    if enrolment.status == EnrolmentStatus.COMPLETED:
        return Eligibility(enrolment, eligible, _("completed the course"))
    if enrolment.status not in BY_ATTENDANCE:
        return Eligibility(enrolment, eligible, _("enrolment is “%(status)s”") % {
            "status": enrolment.get_status_display()})
    if session.end_date >= today:
        return Eligibility(enrolment, eligible, _("the session ends on %(day)s") % {"day": session.end_date.isoformat()})
    if rate is None:
        return Eligibility(enrolment, eligible, _("no attendance recorded"))
    if rate < threshold:
        return Eligibility(enrolment, eligible, _("attendance %(rate).0f%% is below %(threshold)s%%") % {
            "rate": rate, "threshold": threshold})
    return Eligibility(enrolment, eligible, _("attendance %(rate).0f%% reaches %(threshold)s%%") % {
        "rate": rate, "threshold": threshold})


def session_eligibility(session: CourseSession, *, actor, today: dt.date | None = None) -> list[Eligibility]:
    """Every enrolment of the session the actor may see, with whether it earns a certificate; one query."""
    today = today or timezone.localdate()
    return [enrolment_eligibility(e, session, today) for e in enrolment_list(actor=actor, session=session)]
