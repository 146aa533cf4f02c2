"""A real Celery worker process answers tasks sent through the machine's Redis."""

import os

import pytest
from django.contrib.auth import get_user_model

from hubportal.tasks import health_check

# All of them with the database, so that pytest-django's ordering keeps them together and the worker
# starts once.
pytestmark = [pytest.mark.worker, pytest.mark.django_db]


def test_health_check_runs_in_the_worker_process(celery_worker):
    answer = health_check.apply_async(queue=celery_worker.queue).get(timeout=10)

    assert answer["pid"] == celery_worker.pid
    assert answer["pid"] != os.getpid()


def test_staff_sees_that_a_worker_answers(celery_worker, client):
    staff = get_user_model().objects.create_user(email="ops@hub.example", password="x-Secret-42", is_staff=True)
    client.force_login(staff)

    response = client.get("/health/worker/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["web_pid"] == os.getpid()
    assert body["worker"]["pid"] != os.getpid()


def test_worker_health_is_hidden_from_trainees(client):
    trainee = get_user_model().objects.create_user(email="trainee@hub.example", password="x-Secret-42")
    client.force_login(trainee)

    response = client.get("/health/worker/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
