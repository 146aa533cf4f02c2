"""Issue 16: the probes. /healthz says the process answers; /readyz says whether it can serve (database,
Redis, storage, migrations), within a couple of seconds whatever is down, and when a worker last showed a
sign of life, which never makes the web unready."""

import os
import socket
import threading
import time
from contextlib import closing, contextmanager
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings
from django.utils import timezone

from hubportal import health
from hubportal.tasks import worker_heartbeat

from .conftest import running_worker

CHECKS = {"database", "cache", "broker", "storage", "migrations"}
REDIS_CACHE = "django.core.cache.backends.redis.RedisCache"


def redis_at(address: str) -> dict:
    return {"CACHES": {"default": {"BACKEND": REDIS_CACHE, "LOCATION": f"redis://{address}/0"}},
            "CELERY_BROKER_URL": f"redis://{address}/0"}


def shared_cache_url() -> str:
    """A cache the web and a worker process share: the configured one if it is Redis, else the machine's."""
    configured = settings.CACHES["default"]
    if configured["BACKEND"] == REDIS_CACHE:
        return configured["LOCATION"]
    return os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/5")


def timed_get(client, url):
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def checks_still_waiting() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("readyz-")]


@contextmanager
def silent_server():
    """An address that accepts connections and never answers: a Redis hung, or behind a broken network."""
    with closing(socket.create_server(("127.0.0.1", 0), backlog=64)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"
    # Closing the listener resets the connections it never accepted: the checks' threads end, and the
    # next test's checks start afresh.
    deadline = time.monotonic() + 5
    while checks_still_waiting() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not checks_still_waiting()


# --- /healthz ------------------------------------------------------------------------------------


# Without the database mark: a query would fail the request (pytest-django refuses it).
@pytest.mark.parametrize("url", ["/healthz", "/healthz/"])
def test_healthz_answers_ok_without_the_database_or_a_redirect(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


# --- /readyz -------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/readyz", "/readyz/"])
def test_readyz_answers_ok_when_every_service_answers(client, url):
    response, seconds = timed_get(client, url)

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert "failed" not in body
    assert set(body["checks"]) == CHECKS
    assert {name: check["status"] for name, check in body["checks"].items() if name != "broker"} == {
        name: "ok" for name in CHECKS - {"broker"}}
    expected_broker = "ok" if settings.CELERY_BROKER_URL.startswith("redis") else "skipped"
    assert body["checks"]["broker"]["status"] == expected_broker
    assert "no-cache" in response["Cache-Control"]
    assert seconds < 2


@pytest.mark.django_db
@override_settings(CELERY_BROKER_URL="filesystem://localhost/")
def test_a_broker_other_than_redis_is_named_as_not_checked(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    broker = response.json()["checks"]["broker"]
    assert (broker["status"], broker["reason"]) == ("skipped", "not checked: a filesystem broker")


@pytest.mark.django_db
def test_readyz_names_cache_and_broker_when_redis_refuses_connections(client):
    with override_settings(**redis_at("127.0.0.1:1")):
        response, seconds = timed_get(Client(raise_request_exception=False), "/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failed"] == ["cache", "broker"]
    assert body["checks"]["cache"]["status"] == body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert {body["checks"][name]["status"] for name in ("database", "storage", "migrations")} == {"ok"}
    # The worker's last sign of life lives in the same cache: unknown, and no cause of failure of its own.
    assert body["worker"] == {"last_seen": None, "age_seconds": None}
    assert "127.0.0.1" not in response.content.decode()  # the address stays in the log
    assert seconds < 2


@pytest.mark.django_db
def test_readyz_answers_within_two_seconds_when_redis_accepts_and_never_answers(client):
    with silent_server() as address, override_settings(**redis_at(address)):
        response, seconds = timed_get(Client(raise_request_exception=False), "/readyz")
        second, again_seconds = timed_get(Client(raise_request_exception=False), "/readyz")
    again = second.json()

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache", "broker"]
    assert body["checks"]["cache"]["error"] == f"no answer within {health.CHECK_DEADLINE_SECONDS} s"
    assert body["checks"]["broker"]["error"] == "TimeoutError"
    assert seconds < 2
    # The next probe, while the first one's cache check still waits, answers at once.
    assert (again["status"], again["failed"]) == ("fail", ["cache", "broker"])
    assert again["checks"]["cache"]["error"] == "the previous check has had no answer yet"
    assert again_seconds < 2


@pytest.mark.django_db
def test_readyz_names_storage_when_its_bucket_cannot_be_reached(client):
    pytest.importorskip("storages.backends.s3")
    unreachable_bucket = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": "hubportal-media", "endpoint_url": "http://127.0.0.1:1", "region_name": "us-east-1",
        "access_key": "test-only", "secret_key": "test-only"}}
    with override_settings(STORAGES={**settings.STORAGES, "default": unreachable_bucket}):
        response, seconds = timed_get(Client(raise_request_exception=False), "/readyz")

    assert response.status_code == 503
    assert response.json()["failed"] == ["storage"]
    assert seconds < 2


@pytest.mark.django_db(transaction=True)
def test_readyz_names_migrations_while_one_is_not_applied(client, monkeypatch):
    # New code deployed before `migrate` ran: the newest migration of an app is not recorded as applied.
    app, name = MigrationExecutor(connection).loader.graph.leaf_nodes("trainees")[0]
    applied = MigrationRecorder.Migration.objects.get(app=app, name=name)
    monkeypatch.setattr(health, "_migrations_applied", False)  # what an earlier request of this process saw
    applied.delete()
    try:
        response = client.get("/readyz")
    finally:
        applied.save()

    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["migrations"]
    assert body["checks"]["migrations"]["unapplied"] == 1
    assert client.get("/readyz").status_code == 200  # applied again


# --- The worker's last sign of life ---------------------------------------------------------------


@pytest.mark.django_db
def test_without_a_worker_readyz_is_still_ok_and_says_none_was_seen(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["worker"] == {"last_seen": None, "age_seconds": None}


@pytest.mark.django_db
def test_the_heartbeat_shows_when_a_worker_last_ran(client):
    worker_heartbeat()

    response = client.get("/readyz")

    assert response.status_code == 200
    worker = response.json()["worker"]
    assert timezone.now() - datetime.fromisoformat(worker["last_seen"]) < timedelta(seconds=5)
    assert 0 <= worker["age_seconds"] < 5


@pytest.mark.django_db
def test_a_worker_gone_for_ten_minutes_is_shown_but_leaves_readyz_ok(client):
    from django.core.cache import cache

    cache.set(health.WORKER_LAST_SEEN_KEY, timezone.now() - timedelta(minutes=10), timeout=None)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert 600 <= response.json()["worker"]["age_seconds"] < 605


def test_celery_beat_sends_the_heartbeat_every_minute():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == worker_heartbeat.name)

    assert entry["schedule"] == 60


@pytest.mark.worker
@pytest.mark.django_db
def test_a_worker_that_starts_is_seen_at_once(client, settings, test_database_url, tmp_path):
    from django.core.cache import cache

    cache_url = shared_cache_url()
    settings.CACHES = {"default": {"BACKEND": REDIS_CACHE, "LOCATION": cache_url}}
    cache.delete(health.WORKER_LAST_SEEN_KEY)
    with running_worker(test_database_url, tmp_path, extra_env={"CACHE_URL": cache_url}):
        deadline = time.monotonic() + 10
        while (worker := client.get("/readyz").json()["worker"])["last_seen"] is None:
            assert time.monotonic() < deadline, "the worker's start was not recorded"
            time.sleep(0.2)

    assert worker["age_seconds"] < 30
