from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    bind=True,
    name="jobs.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def run_job(self, job_id: int) -> None:
    """Do one background job (certificates, a ZIP, a report, an import).

    Database and connection hiccups are retried with backoff; anything else marks the job failed
    with the error in words. A copy that finds another worker alive on the job (the broker handed
    the task out again) asks again until that worker finishes, or stops showing signs of life and
    this copy takes over.
    """
    try:
        services.job_run(job_id)
    except services.JobBusy as busy:
        # Long enough for the other worker's next sign of life; bounded by the longest task.
        wait = max(1, settings.JOB_STALL_SECONDS // 4)
        raise self.retry(exc=busy, countdown=wait,
                         max_retries=settings.CELERY_TASK_TIME_LIMIT // wait + 4 * 4) from None
