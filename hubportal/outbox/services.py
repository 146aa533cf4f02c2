"""Recording outgoing email, handing it to a worker, and sending each message once."""

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record

from .models import EmailStatus, OutboundEmail, stuck

logger = logging.getLogger(__name__)

# Attempts before a message is marked failed and waits for staff to send it again.
MAX_ATTEMPTS = 5


def _enqueue(email: OutboundEmail) -> None:
    """Hand the message to a worker once the transaction that recorded it has committed.

    A broker that is down does not fail the page that sent the message: it stays queued, and
    emails_requeue_stuck hands it to a worker again later.
    """
    from .tasks import send_email

    email_id = email.pk

    def send():
        try:
            send_email.delay(email_id)
        except Exception:
            logger.warning("Could not queue email %s; the scheduler will hand it to a worker later.", email_id,
                           exc_info=True)

    transaction.on_commit(send)


@transaction.atomic
def email_queue(*, to: str | Sequence[str], subject: str, body: str, html_body: str = "",
                from_email: str | None = None) -> OutboundEmail:
    """Record an email and have a worker send it once the caller's transaction commits.

    Line breaks in the subject become spaces (a header cannot hold them). Raises ValueError without a
    recipient. Nothing is sent here: a broken mail server shows later, on the message, as its error.
    """
    recipients = [to] if isinstance(to, str) else [str(address) for address in to]
    if not recipients:
        raise ValueError("An email needs at least one recipient.")
    email = OutboundEmail.objects.create(
        to=recipients, subject=" ".join(str(subject).splitlines()).strip(), body=str(body),
        html_body=str(html_body or ""), from_email=from_email or settings.DEFAULT_FROM_EMAIL,
    )
    _enqueue(email)
    return email


def email_claim(email_id: int) -> OutboundEmail | None:
    """Mark the message as being sent by this worker, or None when it is sent, failed or another worker has it.

    One UPDATE decides: PostgreSQL re-checks the condition on the row it locks, so of two copies of
    the task (the broker handed it out twice) exactly one sends. A message still `sending` after the
    longest a task may run lost its worker, and may be claimed again.
    """
    now = timezone.now()
    lost = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=EmailStatus.QUEUED) | Q(status=EmailStatus.SENDING, last_attempt_at__lt=lost)
    claimed = OutboundEmail.objects.filter(claimable, pk=email_id).update(
        status=EmailStatus.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    return OutboundEmail.objects.get(pk=email_id) if claimed else None


class EmailNotSent(Exception):
    """The email backend refused a message; the error is recorded on it."""

    # The error in words first: Celery rebuilds an exception from its args alone.
    def __init__(self, error: str, *, email: OutboundEmail | None = None):
        super().__init__(error)
        self.email = email

    @property
    def will_retry(self) -> bool:
        """Attempts remain: the message is queued again. Otherwise it failed for good."""
        return self.email.status == EmailStatus.QUEUED


def email_send(email_id: int) -> OutboundEmail | None:
    """Send a queued message through Django's email backend and mark it sent.

    Returns None, sending nothing, when it is sent already, failed, or another worker is sending it.
    Raises EmailNotSent when the backend fails, after recording the error and the attempt: the
    message is queued again while attempts remain (MAX_ATTEMPTS), and failed after the last.
    """
    email = email_claim(email_id)
    if email is None:
        return None
    message = EmailMultiAlternatives(subject=email.subject, body=email.body, from_email=email.from_email,
                                     to=email.to)
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    try:
        message.send()
    except Exception as error:
        email.status = EmailStatus.FAILED if email.attempts >= MAX_ATTEMPTS else EmailStatus.QUEUED
        email.last_error = _("%(kind)s: %(error)s") % {"kind": type(error).__name__, "error": error}
        OutboundEmail.objects.filter(pk=email.pk).update(status=email.status, last_error=email.last_error)
        raise EmailNotSent(email.last_error, email=email) from error
    email.status, email.sent_at = EmailStatus.SENT, timezone.now()
    OutboundEmail.objects.filter(pk=email.pk).update(status=email.status, sent_at=email.sent_at)
    return email


def email_may_retry(actor) -> bool:
    """Whether the actor may send a failed message again: hub staff and the system (hubportal.access)."""
    return access.can(actor, access.Action.CHANGE, OutboundEmail)


@transaction.atomic
def email_retry(*, actor, email: OutboundEmail) -> OutboundEmail:
    """Queue a failed message again, for a new round of MAX_ATTEMPTS attempts; or hand a stuck one
    (queued, but no worker will come for it: OutboundEmail.is_stuck) to a worker again.

    Raises PermissionDenied unless the actor is hub staff, and ValidationError when the message has
    neither failed nor is stuck (it is on its way, being sent, or sent).
    """
    if not email_may_retry(actor):
        raise PermissionDenied
    email = OutboundEmail.objects.select_for_update().get(pk=email.pk)
    if email.status != EmailStatus.FAILED and not email.is_stuck:
        raise ValidationError(_("“%(email)s” has not failed (it is “%(status)s”); only a failed email, or one "
                                "queued long ago that no worker took, can be sent again.")
                              % {"email": email, "status": email.get_status_display()})
    audit_record(actor=actor, action="email.retry", target=email, attempts=email.attempts, error=email.last_error)
    email.status, email.attempts = EmailStatus.QUEUED, 0
    email.save(update_fields=["status", "attempts"])
    _enqueue(email)
    return email


def emails_requeue_stuck() -> int:
    """Hand every stuck message (queued, but its task never reached a worker: the broker was down, or
    lost it) to a worker again; the scheduler runs this every few minutes. Returns how many.

    A message handed out twice is still sent once (email_claim).
    """
    ids = list(OutboundEmail.objects.filter(stuck()).values_list("pk", flat=True))
    if ids:
        from .tasks import send_email

        for email_id in ids:
            send_email.delay(email_id)
    return len(ids)


def emails_purge_sent(*, older_than_days: int | None = None) -> int:
    """Delete the sent messages older than OUTBOX_KEEP_DAYS (or older_than_days): their bodies hold
    trainees' names and one-time links, which the outbox need not keep once delivered. Failed and
    queued ones stay for staff. Returns how many were deleted."""
    days = settings.OUTBOX_KEEP_DAYS if older_than_days is None else older_than_days
    before = timezone.now() - timedelta(days=days)
    deleted, _by_model = OutboundEmail.objects.filter(status=EmailStatus.SENT, sent_at__lt=before).delete()
    return deleted
