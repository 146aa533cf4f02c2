"""Project-wide tasks that belong to no one app."""

import os
import socket

from celery import shared_task


@shared_task(name="hubportal.health_check")
def health_check() -> dict:
    """Report which process ran the task, so that a caller can tell a worker from its own process."""
    return {"hostname": socket.gethostname(), "pid": os.getpid()}
