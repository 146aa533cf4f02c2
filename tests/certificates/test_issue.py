"""Issuing: who is eligible and why not, serials, codes, revocation, and the jobs that follow."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError

from certificates.models import Certificate, CertificateStatus, JobKind
from hubportal.jobs.models import Job, JobStatus
from certificates.selectors import session_eligibility
from certificates.services import certificate_revoke, certificates_issue
from cohorts.models import EnrolmentStatus
from hubportal.audit.models import AuditEntry

from ..cohorts.factories import CourseSessionFactory, EnrolmentFactory
from .factories import ended_session, enrolment_attending

pytestmark = pytest.mark.django_db


@pytest.fixture
def july():
    return ended_session(code="BDM-2022-07")


def test_eligibility_says_who_earns_a_certificate_and_why_not(july):
    session, slots = july
    completed = enrolment_attending(session, slots, 5, status=EnrolmentStatus.COMPLETED)
    enough = enrolment_attending(session, slots, 8)
    short = enrolment_attending(session, slots, 7)
    withdrawn = enrolment_attending(session, slots, 10, status=EnrolmentStatus.WITHDRAWN)
    unmarked = EnrolmentFactory(session=session, status=EnrolmentStatus.CONFIRMED)

    verdicts = {v.enrolment.pk: (v.eligible, v.reason) for v in session_eligibility(session, actor=None)}

    assert verdicts[completed.pk] == (True, "completed the course")
    assert verdicts[enough.pk] == (True, "attendance 80% reaches 80%")
    assert verdicts[short.pk] == (False, "attendance 70% is below 80%")
    assert verdicts[withdrawn.pk] == (False, "enrolment is “Withdrawn”")
    assert verdicts[unmarked.pk] == (False, "no attendance recorded")


def test_a_session_that_has_not_ended_issues_only_to_completed_trainees():
    running = CourseSessionFactory(start_date=dt.date(2099, 1, 5), end_date=dt.date(2099, 1, 9))
    attending = EnrolmentFactory(session=running, status=EnrolmentStatus.ATTENDED)
    verdict = {v.enrolment.pk: v for v in session_eligibility(running, actor=None)}[attending.pk]
    assert (verdict.eligible, verdict.reason) == (False, "the session ends on 2099-01-09")


def test_the_threshold_is_the_sessions_own(july):
    session, slots = july
    enrolment = enrolment_attending(session, slots, 7)
    assert session_eligibility(session, actor=None)[0].eligible is False
    session.completion_threshold = 70
    session.save()
    assert {v.enrolment.pk: v.eligible for v in session_eligibility(session, actor=None)}[enrolment.pk] is True


def test_issuing_creates_the_records_at_once_with_serials_codes_and_a_queued_job(
        july, hub_staff, django_capture_on_commit_callbacks):
    session, slots = july
    first = enrolment_attending(session, slots, 10, given_name="Min-jun", family_name="Kim", native_name="김민준")
    second = enrolment_attending(session, slots, 9)
    enrolment_attending(session, slots, 3)  # not eligible

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = certificates_issue(actor=hub_staff, session=session)

    certificates = list(Certificate.objects.order_by("serial"))
    assert [c.serial for c in certificates] == [f"{session.course.code}-2022-0001", f"{session.course.code}-2022-0002"]
    assert {c.enrolment_id for c in certificates} == {first.pk, second.pk}
    mine = Certificate.objects.get(enrolment=first)
    assert (mine.holder_name, mine.holder_native_name, mine.learning_hours) == ("Min-jun KIM", "김민준", 6)
    assert (str(mine.start_date), str(mine.end_date)) == ("2022-07-18", "2022-07-29")
    # At least 128 random bits (here 192), URL-safe, all different.
    assert all(re.fullmatch(r"[A-Za-z0-9]{33}", c.verification_code) for c in certificates)
    assert len({c.verification_code for c in certificates}) == 2
    assert (job.kind, job.status, job.total, job.requested_by) == (JobKind.CERTIFICATES, JobStatus.QUEUED, 2, hub_staff)
    assert len(callbacks) == 1  # the worker is told only once the records are committed
    assert AuditEntry.objects.filter(action="certificates.issue", actor=hub_staff).exists()


def test_issuing_again_leaves_existing_certificates_and_numbers_on(july, hub_staff,
                                                                   django_capture_on_commit_callbacks):
    session, slots = july
    enrolment_attending(session, slots, 10)
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
        with pytest.raises(ValidationError, match="1 trainee\\(s\\) of BDM-2022-07 already hold a certificate"):
            certificates_issue(actor=hub_staff, session=session)
        enrolment_attending(session, slots, 10)
        certificates_issue(actor=hub_staff, session=session)
    assert sorted(Certificate.objects.values_list("number", flat=True)) == [1, 2]


def test_nobody_eligible_is_refused_with_each_reason(july, hub_staff):
    session, slots = july
    enrolment = enrolment_attending(session, slots, 2)
    with pytest.raises(ValidationError) as error:
        certificates_issue(actor=hub_staff, session=session)
    assert error.value.messages == [f"{enrolment.trainee}: attendance 20% is below 80%"]
    assert not Certificate.objects.exists() and not Job.objects.exists()


def test_revoking_needs_a_reason_and_happens_once(july, hub_staff, django_capture_on_commit_callbacks):
    session, slots = july
    enrolment_attending(session, slots, 10)
    with django_capture_on_commit_callbacks(execute=False):
        certificates_issue(actor=hub_staff, session=session)
    certificate = Certificate.objects.get()

    with pytest.raises(ValidationError, match="Say why"):
        certificate_revoke(actor=hub_staff, certificate=certificate, reason="  ")
    certificate_revoke(actor=hub_staff, certificate=certificate, reason="Attendance sheet was wrong")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason) == (CertificateStatus.REVOKED, "Attendance sheet was wrong")
    assert certificate.revoked_at is not None
    with pytest.raises(ValidationError, match="revoked already"):
        certificate_revoke(actor=hub_staff, certificate=certificate, reason="again")
