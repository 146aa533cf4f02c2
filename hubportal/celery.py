"""The Celery app. Its broker and result backend come from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hubportal.settings.local")

app = Celery("hubportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["hubportal"])  # hubportal.tasks: the health check
