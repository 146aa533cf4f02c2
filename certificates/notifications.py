"""What trainees are told about their certificates."""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from hubportal.outbox.services import email_queue

from .models import Certificate


def certificate_issued_notify(certificate: Certificate) -> None:
    """Queue the email that gives the trainee a link to their certificate, once its PDF first exists.

    The outbox's worker sends it, retrying a failing mail server; nothing is sent from here.
    """
    trainee = certificate.enrolment.trainee
    base = settings.PORTAL_BASE_URL.rstrip("/")
    context = {
        "certificate": certificate,
        "download_url": base + reverse("certificate_download", args=[certificate.verification_code]),
        "verify_url": base + reverse("certificate_verify", args=[certificate.verification_code]),
    }
    email_queue(
        to=trainee.email,
        subject=_("Your certificate: %(course)s") % {"course": certificate.course_title},
        body=render_to_string("certificates/email_issued.txt", context),
    )
