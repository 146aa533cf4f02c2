from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    name="certificates.run_job",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def run_job(job_id: int) -> None:
    """Do one background job (certificates, a ZIP, a report).

    Database and connection hiccups are retried with backoff; anything else marks the job failed
    with the error in words. Redelivery after a killed worker is safe: the job skips finished work.
    """
    services.job_run(job_id)
