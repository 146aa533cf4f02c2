"""A trainee's certificates in their data file and in its erasure.

An anonymised trainee's certificate stays on record and still verifies: valid (or revoked), issued to
a participant of its course, the name withheld. The name goes from the record and its PDF (which
prints it) is deleted, as is any ZIP of the session's certificates made before, which holds that PDF.
"""

from hubportal import privacy
from hubportal.jobs.models import Job
from trainees.models import Trainee

from .models import Certificate, JobKind


def _certificates(trainee: Trainee):
    return Certificate.objects.filter(enrolment__trainee=trainee).select_related("enrolment__session")


def _export_certificates(trainee: Trainee) -> list[dict]:
    from .rendering import verification_url  # not at start-up: the renderer loads the PDF libraries

    return [
        {
            "serial": certificate.serial,
            "status": certificate.status,
            "holder_name": certificate.holder_name,
            "holder_native_name": certificate.holder_native_name,
            "course_title": certificate.course_title,
            "session": certificate.enrolment.session.code,
            "start_date": certificate.start_date,
            "end_date": certificate.end_date,
            "learning_hours": certificate.learning_hours,
            "issued_at": certificate.issued_at,
            "revoked_at": certificate.revoked_at,
            "revoked_reason": certificate.revoked_reason,
            "verification_url": verification_url(certificate),
        }
        for certificate in _certificates(trainee).order_by("issued_at", "serial")
    ]


def _prepare_certificates(erasure: privacy.Erasure) -> None:
    certificates = erasure.held["certificates"] = list(_certificates(erasure.trainee))
    # The names as issued, which a correction of the trainee's record since then no longer shows.
    erasure.replace_texts([c.holder_name for c in certificates], by=erasure.anonymous_name)
    erasure.replace_texts(c.holder_native_name for c in certificates)
    erasure.personal_fields.update({"holder_name", "holder_native_name"})
    erasure.concerns(Certificate, [c.pk for c in certificates])


def _erase_certificates(erasure: privacy.Erasure) -> None:
    certificates = erasure.held["certificates"]
    for certificate in certificates:
        certificate.holder_name = certificate.holder_native_name = ""
        certificate.revoked_reason = erasure.replace(certificate.revoked_reason)
        erasure.delete_file(certificate.pdf)
        # rendered_at stays: the certificate is not waiting for a PDF, and none is made again.
        certificate.pdf = ""
        certificate.save(update_fields=["holder_name", "holder_native_name", "revoked_reason", "pdf"])
    erasure.count("certificates", len(certificates))
    rendered_sessions = {c.enrolment.session_id for c in certificates}
    zips = list(Job.objects.filter(kind=JobKind.CERTIFICATE_ZIP, session_id__in=rendered_sessions).exclude(result=""))
    for job in zips:
        erasure.delete_file(job.result)
        job.result = ""
        job.save(update_fields=["result"])
    erasure.count("certificate_zips", len(zips))


privacy.register(privacy.PersonalDataPart("certificates", order=30, export=_export_certificates,
                                          prepare=_prepare_certificates, erase=_erase_certificates))
