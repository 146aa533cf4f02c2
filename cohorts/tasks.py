"""Scheduled work of the cohorts app, run by Celery beat (CELERY_BEAT_SCHEDULE in settings)."""

from celery import shared_task

from .privacy import trainees_retention_notify


@shared_task(name="cohorts.trainees_retention_notify")
def trainees_retention_notify_task() -> int | None:
    """Email hub staff the trainees past the retention period, anonymising nobody; the email's id.

    Nothing to retry: a run that fails (the database is away) is followed by next week's.
    """
    email = trainees_retention_notify()
    return email.pk if email is not None else None
