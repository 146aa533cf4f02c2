"""The scheduler (celery beat) runs tasks the worker knows: a renamed task would otherwise be sent,
every five minutes, to nobody."""

from django.conf import settings

from hubportal.celery import app


def test_every_scheduled_task_is_one_the_worker_runs():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"outbox.requeue_stuck", "outbox.purge_sent", "cohorts.trainees_retention_notify"} <= scheduled
    assert scheduled <= set(app.tasks)
