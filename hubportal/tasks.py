"""Project-wide tasks that belong to no one app."""

import os
import socket

from celery import shared_task

from .health import worker_heartbeat_record


@shared_task(name="hubportal.health_check")
def health_check() -> dict:
    """Report which process ran the task, so that a caller can tell a worker from its own process."""
    return {"hostname": socket.gethostname(), "pid": os.getpid()}


@shared_task(name="hubportal.worker_heartbeat", ignore_result=True)
def worker_heartbeat() -> None:
    """Record that a worker runs tasks now (celery beat sends this every minute; /readyz reports it).

    Fails when the cache is unreachable; the next beat tries again."""
    worker_heartbeat_record()
