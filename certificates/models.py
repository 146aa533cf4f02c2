import secrets
import string

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cohorts.models import CourseSession, Enrolment
from curriculum.models import Course
from hubportal.dates import date_range


_CODE_ALPHABET = string.digits + string.ascii_letters
_CODE_LENGTH = 33  # 62 ** 33 > 2 ** 192


def new_verification_code() -> str:
    """192 random bits in letters and digits: nobody finds a certificate by guessing, and the code
    has no "-" or "_" where a printed URL could break or a reader could stumble."""
    number = secrets.randbits(192)
    digits = []
    for _position in range(_CODE_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(_CODE_ALPHABET[digit])
    return "".join(digits)


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")


class Certificate(models.Model):
    """A completion certificate: a record from the moment it is issued; its PDF follows from a worker.

    What it certifies (name, course, dates, hours) is kept as issued, so that a later correction
    of a trainee's record never silently changes a certificate already handed out.
    """

    enrolment = models.OneToOneField(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="certificate"
    )
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    serial = models.CharField(_("serial number"), max_length=40, unique=True)
    verification_code = models.CharField(
        _("verification code"), max_length=64, unique=True, default=new_verification_code, editable=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    holder_name = models.CharField(_("name as on the passport"), max_length=220)
    holder_native_name = models.CharField(_("name in native script"), max_length=200, blank=True)
    course_title = models.CharField(_("course title"), max_length=200)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to"))
    learning_hours = models.DecimalField(_("learning hours"), max_digits=6, decimal_places=1)
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    rendered_at = models.DateTimeField(_("rendered"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["course", "year", "number"], name="certificate_serial_per_course_year"),
            models.CheckConstraint(
                condition=models.Q(status="valid", revoked_at__isnull=True)
                | models.Q(status="revoked", revoked_at__isnull=False),
                name="certificate_revoked_has_a_date",
            ),
        ]

    def __str__(self):
        return f"{self.serial} {self.holder_name}".strip()

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def name_withheld(self) -> bool:
        """The holder's name was erased with the rest of their personal data (every certificate is
        issued with one): it still verifies, as awarded to a participant of its course."""
        return not self.holder_name

    def audit_subjects(self) -> dict:
        return self.enrolment.audit_subjects()

    @property
    def dates(self) -> str:
        """The days the certificate names, as printed on it: 18 – 29 July 2022."""
        return date_range(self.start_date, self.end_date)


class JobKind(models.TextChoices):
    """The background jobs this app runs (registered with hubportal.jobs in services)."""

    CERTIFICATES = "certificates", _("Certificates of a session")
    CERTIFICATE_ZIP = "certificate_zip", _("ZIP of a session's certificates")
