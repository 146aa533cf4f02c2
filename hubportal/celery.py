"""The Celery app. Its broker and result backend come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings.local")

app = Celery("hubportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["hubportal"])  # hubportal.tasks: the health check


@worker_ready.connect
def _record_worker_ready(**kwargs):
    """A worker that has just started shows it at once, not at the next heartbeat (up to a minute)."""
    from .health import worker_heartbeat_record  # Django is set up by now, not when this module loads

    worker_heartbeat_record()
