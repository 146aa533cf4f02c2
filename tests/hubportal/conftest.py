"""Fixtures that start the real processes of a deployment: a Celery worker, and what they share."""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from hubportal.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The console scripts of the environment that runs pytest (.venv/bin under `make test`).
BIN_DIR = Path(sys.executable).parent

# The worker command of docker-compose.yml; test_deploy.py checks that the two stay the same.
WORKER_COMMAND = ["celery", "-A", "hubportal", "worker", "--loglevel=info"]
READY_TIMEOUT = 30
STOP_TIMEOUT = 10


@dataclass(frozen=True)
class CeleryWorker:
    pid: int
    nodename: str
    queue: str  # consumed by this worker alone, besides the default queue
    log_path: Path
    # The worker's MEDIA_ROOT. Each test has its own (tests/conftest.py); a test that reads files the
    # worker wrote sets `settings.MEDIA_ROOT = celery_worker.media_root`.
    media_root: Path


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def stop_process(process: subprocess.Popen) -> None:
    """Ask for a clean shutdown; kill if the process has not stopped after STOP_TIMEOUT seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def test_database_url(django_db_setup) -> str:
    """URL of the database pytest-django created, for the processes that tests start."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("other processes can share the test database only on PostgreSQL")
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{quote(db['NAME'], safe='')}"


@contextmanager
def running_worker(database_url: str, worker_dir: Path, *, extra_env: dict | None = None) -> Iterator[
        tuple[CeleryWorker, subprocess.Popen]]:
    """Start a real worker process on the machine's Redis (the compose worker command, with the solo
    pool and a queue of its own besides the default one); stop it, or kill it, on the way out."""
    queue = f"hubportal-test-{uuid.uuid4().hex[:12]}"
    nodename = f"{queue}@{socket.gethostname()}"
    log_path = worker_dir / f"{queue}.log"
    media_root = worker_dir / "media"
    default_queue = celery_app.conf.task_default_queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hubportal.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
        "DJANGO_MEDIA_ROOT": str(media_root),
        **(extra_env or {}),
    }
    command = [
        str(BIN_DIR / WORKER_COMMAND[0]),
        *WORKER_COMMAND[1:],
        # solo: tasks run in the process we started, so a task can report the worker's own pid.
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        f"{default_queue},{queue}",
        "-n",
        nodename,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not celery_app.control.ping(destination=[nodename], timeout=0.5):
            if process.poll() is not None:
                pytest.fail(f"the Celery worker exited with {process.returncode}:\n{log_tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the Celery worker did not answer within {READY_TIMEOUT} s:\n{log_tail(log_path)}")
        yield CeleryWorker(
            pid=process.pid, nodename=nodename, queue=queue, log_path=log_path, media_root=media_root
        ), process
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def celery_worker(test_database_url, tmp_path_factory) -> CeleryWorker:
    """A real worker process on the machine's Redis, consuming the default queue and its own.

    Module-scoped rather than session-scoped: while it runs it consumes every task that any test
    enqueues, so only the modules that ask for it share the broker with a worker. It reads the test
    database, so it sees only committed rows: tests that hand it work use `transactional_db`.
    """
    # Tasks that earlier sessions left in the default queue would otherwise run against this
    # session's database.
    celery_app.control.purge()
    with running_worker(test_database_url, tmp_path_factory.mktemp("celery-worker")) as (worker, _process):
        yield worker
