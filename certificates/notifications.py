"""What trainees are told about their certificates."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from .models import Certificate


def certificate_issued_notify(certificate: Certificate) -> None:
    """Email the trainee a link to their certificate. Sent once, when its PDF first exists."""
    trainee = certificate.enrolment.trainee
    base = settings.PORTAL_BASE_URL.rstrip("/")
    context = {
        "certificate": certificate,
        "download_url": base + reverse("certificate_download", args=[certificate.verification_code]),
        "verify_url": base + reverse("certificate_verify", args=[certificate.verification_code]),
    }
    send_mail(
        subject=_("Your certificate: %(course)s") % {"course": certificate.course_title},
        message=render_to_string("certificates/email_issued.txt", context),
        from_email=None,
        recipient_list=[trainee.email],
    )
