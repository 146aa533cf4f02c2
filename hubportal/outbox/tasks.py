import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: 1, 2, 4, then 8 minutes.

    Kept below the broker's visibility timeout (11 minutes): Redis hands out again a task that waits
    longer, and the two copies would each retry, spending the attempts twice as fast.
    """
    return min(60 * 2 ** (attempts - 1), 8 * 60)


@shared_task(
    bind=True,
    name="outbox.send_email",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    # The mail server's refusals are counted on the message (services.MAX_ATTEMPTS); this bounds
    # them and the database hiccups together.
    max_retries=services.MAX_ATTEMPTS + 5,
)
def send_email(self, email_id: int) -> None:
    """Send one recorded email, once, however often the broker delivers the task.

    A failing mail server is retried with backoff until the message's attempts run out; it is then
    marked failed, with the error, for staff to see and send again. Database hiccups are retried too.
    """
    try:
        services.email_send(email_id)
    except services.EmailNotSent as failure:
        if not failure.will_retry:
            logger.error("Gave up on email %s to %s after %s attempts: %s", email_id, failure.email.recipients,
                         failure.email.attempts, failure)
            return
        raise self.retry(exc=failure, countdown=retry_delay(failure.email.attempts)) from None


@shared_task(name="outbox.requeue_stuck")
def requeue_stuck_emails() -> int:
    """Scheduled: give the messages a broker outage stranded in the queue to a worker again."""
    count = services.emails_requeue_stuck()
    if count:
        logger.warning("Handed %s stuck email(s) to a worker again.", count)
    return count


@shared_task(name="outbox.purge_sent")
def purge_sent_emails() -> int:
    """Scheduled: delete the sent messages older than OUTBOX_KEEP_DAYS."""
    return services.emails_purge_sent()
