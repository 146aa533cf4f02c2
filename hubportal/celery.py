"""The Celery app. Its broker and result backend come from Django settings (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import setup_logging, worker_ready

from .logs import configure_from_django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings.local")

app = Celery("hubportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["hubportal"])  # hubportal.tasks: the health check
# Workers and beat log as the web processes do (Django's LOGGING, plain or JSON), not in Celery's format.
setup_logging.connect(configure_from_django)


@worker_ready.connect
def _record_worker_ready(**kwargs):
    """A worker that has just started shows it at once, not at the next heartbeat (up to a minute)."""
    from .health import worker_heartbeat_record  # Django is set up by now, not when this module loads

    worker_heartbeat_record()
