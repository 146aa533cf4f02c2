from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundEmail(models.Model):
    """One email the portal sends: recorded first, then sent by a worker, which retries it on failure.

    A worker that sends it marks it `sending` and stamps `last_attempt_at`; one still sending after
    the longest a task may run lost its worker, and may be claimed again (see services.email_send).
    """

    to = models.JSONField(_("to"), default=list)
    # RFC 5322 allows a header line of 998 characters.
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML"), blank=True)
    from_email = models.CharField(_("from"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound email")
        verbose_name_plural = _("outbound emails")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.subject} → {self.recipients}"

    @property
    def recipients(self) -> str:
        return ", ".join(self.to)

    @property
    def is_stuck(self) -> bool:
        """Queued, and no worker will come for it: see stuck()."""
        last = self.last_attempt_at or self.created_at
        return self.status == EmailStatus.QUEUED and last is not None and last < stuck_deadline()


def stuck_deadline():
    """Queued messages untouched since before this have no task on its way to them: the broker was
    down when they were queued, or lost the task. Longer than the longest wait between two attempts."""
    return timezone.now() - timedelta(seconds=settings.OUTBOX_STUCK_SECONDS)


def stuck() -> Q:
    """The queued messages no worker will come for, as a filter."""
    deadline = stuck_deadline()
    return Q(status=EmailStatus.QUEUED) & (
        Q(last_attempt_at__lt=deadline) | Q(last_attempt_at__isnull=True, created_at__lt=deadline))
