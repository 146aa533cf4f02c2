"""Issuing, revoking and re-rendering certificates, and the background jobs that make their files."""

import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cohorts.models import CourseSession, Enrolment
from curriculum.models import Course
from hubportal import access
from hubportal.access import Action
from hubportal.audit.services import audit_record, recorded_user
from hubportal.jobs.models import Job
from hubportal.jobs.registry import register
from hubportal.jobs.services import job_create, job_finish, job_progress

from .models import Certificate, CertificateStatus, JobKind
from .selectors import enrolment_eligibility

logger = logging.getLogger(__name__)


@transaction.atomic
def certificates_issue(*, actor, session: CourseSession, enrolments: Iterable[Enrolment] | None = None,
                       enqueue: bool = True) -> Job:
    """Issue certificates to the session's eligible trainees (or those of `enrolments` that are),
    at once, and queue a job that renders their PDFs.

    Raises PermissionDenied unless the session is the actor's (hub staff: every session; a
    coordinator: theirs), ValidationError when none of them is eligible, naming why for each that
    is not. Trainees who already hold a certificate are left as they are.
    """
    from cohorts.selectors import enrolment_list

    access.require_session(actor, Action.ISSUE, session)

    # Serial numbers are counted per course and year: lock the course so two batches never share one.
    course = Course.objects.select_for_update().get(pk=session.course_id)
    candidates = enrolment_list(actor=actor, session=session).select_related("certificate")
    if enrolments is not None:
        candidates = candidates.filter(pk__in=[e.pk for e in enrolments])
    today = timezone.localdate()
    year = session.end_date.year
    hours = session.course.modules.aggregate(total=Sum("learning_hours"))["total"] or 0
    number = Certificate.objects.filter(course=course, year=year).aggregate(last=Max("number"))["last"] or 0
    now = timezone.now()
    new, refused, already = [], [], 0
    for enrolment in candidates:
        if hasattr(enrolment, "certificate"):
            already += 1
            continue
        verdict = enrolment_eligibility(enrolment, session, today)
        if not verdict.eligible:
            refused.append(f"{enrolment.trainee}: {verdict.reason}")
            continue
        number += 1
        trainee = enrolment.trainee
        new.append(Certificate(
            enrolment=enrolment, course=course, year=year, number=number,
            serial=f"{course.code}-{year}-{number:04d}",
            holder_name=trainee.full_name, holder_native_name=trainee.native_name,
            course_title=course.title, start_date=session.start_date, end_date=session.end_date,
            learning_hours=hours, issued_at=now,
            issued_by=recorded_user(actor),
        ))
    if not new:
        held = [_("%(count)s trainee(s) of %(session)s already hold a certificate.") % {
            "count": already, "session": session.code}] if already else []
        raise ValidationError([*held, *refused] or [_("%(session)s has no enrolment to certify.") % {
            "session": session.code}])
    Certificate.objects.bulk_create(new)
    job = job_create(actor=actor, kind=JobKind.CERTIFICATES, session=session, total=len(new), enqueue=enqueue,
                     certificates=[c.pk for c in new])
    audit_record(actor=actor, action="certificates.issue", target=session, count=len(new),
                 serials=[c.serial for c in new])
    return job


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate: the verification page says so from now on.

    Raises PermissionDenied unless the actor may revoke it (hub staff), ValidationError without a
    reason, or when it is revoked already.
    """
    access.require(actor, Action.REVOKE, certificate)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the certificate is revoked."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == CertificateStatus.REVOKED:
        raise ValidationError(_("%(serial)s is revoked already.") % {"serial": certificate.serial})
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
    audit_record(actor=actor, action="certificate.revoke", target=certificate, reason=reason)
    return certificate


@transaction.atomic
def certificates_rerender(*, actor, certificates: Iterable[Certificate]) -> Job:
    """Render the PDFs of these certificates again (after a template change), keeping their serial
    numbers and verification codes; those of anonymised trainees are left without one. Raises
    PermissionDenied unless the actor is hub staff, ValidationError for an empty selection (or one of
    anonymised trainees only)."""
    access.require(actor, Action.CHANGE, Certificate)
    certificates = list(certificates)
    # A certificate whose holder's name was erased keeps no PDF: rendering it would print no name and
    # email an address that no longer exists.
    ids = sorted(c.pk for c in certificates if not c.name_withheld)
    if not ids:
        if certificates:
            raise ValidationError(_("The chosen certificates are of anonymised trainees: they have no PDF to "
                                    "render; their verification page still answers."))
        raise ValidationError(_("Choose the certificates to render again."))
    Certificate.objects.filter(pk__in=ids).update(rendered_at=None)
    return job_create(actor=actor, kind=JobKind.CERTIFICATES, total=len(ids), certificates=ids, notify=False)


# --- Running jobs (called by the worker) -----------------------------------------------------

# Certificates rendered per WeasyPrint document: large enough to share the layout work, small
# enough that progress moves and a worker's memory stays flat.
RENDER_CHUNK = 25


@register(JobKind.CERTIFICATES, JobKind.CERTIFICATES.label)
def _render_certificates(job: Job) -> None:
    from django.core.files.base import ContentFile

    from .notifications import certificate_issued_notify
    from .rendering import render_certificates

    ids = job.params.get("certificates", [])
    done = Certificate.objects.filter(pk__in=ids, rendered_at__isnull=False).count()
    job_progress(job, done)
    pending = list(Certificate.objects.filter(pk__in=ids, rendered_at__isnull=True)
                   .select_related("enrolment__trainee").order_by("serial"))
    for start in range(0, len(pending), RENDER_CHUNK):
        chunk = pending[start : start + RENDER_CHUNK]
        for certificate, pdf in zip(chunk, render_certificates(chunk), strict=True):
            first_time = not certificate.pdf
            name = f"{certificate.serial}.pdf"
            # The file is complete in storage before the row points at it. A worker killed in between
            # leaves a file no row points at: the next run writes over it rather than beside it, so
            # that each certificate has one file.
            left_over = certificate.pdf.field.generate_filename(certificate, name)
            if first_time and certificate.pdf.storage.exists(left_over):
                certificate.pdf.storage.delete(left_over)
            certificate.pdf.save(name, ContentFile(pdf), save=False)
            certificate.rendered_at = timezone.now()
            certificate.save(update_fields=["pdf", "rendered_at"])
            if first_time and job.params.get("notify", True):
                try:
                    certificate_issued_notify(certificate)
                except Exception:
                    # A mail server's hiccup must not fail the batch; the certificate is there.
                    logger.exception("Could not email %s about %s", certificate.enrolment.trainee.email,
                                     certificate.serial)
            done += 1
        job_progress(job, done)
    job_finish(job)


@register(JobKind.CERTIFICATE_ZIP, JobKind.CERTIFICATE_ZIP.label)
def _certificate_zip(job: Job) -> None:
    import io
    import zipfile

    from django.core.files.base import ContentFile

    certificates = list(Certificate.objects.filter(enrolment__session=job.session, status=CertificateStatus.VALID)
                        .exclude(pdf="").order_by("serial"))
    job_progress(job, 0, total=len(certificates))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:  # PDFs are compressed already
        for done, certificate in enumerate(certificates, start=1):
            with certificate.pdf.open("rb") as pdf:
                archive.writestr(f"{certificate.serial}.pdf", pdf.read())
            if done % RENDER_CHUNK == 0:
                job_progress(job, done)
    name = job.result.storage.save(f"jobs/{job.session.code}-certificates.zip", ContentFile(buffer.getvalue()))
    job_finish(job, result_name=name)
