"""What the probes report (/healthz, /readyz): whether this web process can serve (its database, cache,
broker and storage reachable, every migration applied), and when a worker last showed a sign of life.

Each check runs in a thread of its own and all share one deadline, so a server that accepts a connection
and never answers (a dead Redis behind a firewall) makes /readyz answer "fail" within the deadline rather
than hold the probe until it gives up. The answer names the service that failed and the kind of error,
never an address or a message that would tell a stranger how the deployment is built: those go to the log.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import partial

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

logger = logging.getLogger(__name__)

# All checks together answer within this; a probe's own timeout is usually 1 s to a few seconds.
CHECK_DEADLINE_SECONDS = 1.5
# The broker's PING, connecting included.
BROKER_SOCKET_TIMEOUT_SECONDS = 1.0
# A check that outlived its deadline keeps its thread until its own socket gives up: while it does, the
# same check fails at once rather than pile up threads behind a dead server, one more at every probe.
# (Two probes at once, both within the deadline, each run their own.)
_in_flight: dict[str, tuple[threading.Thread, float]] = {}  # check -> its latest thread, started when
_in_flight_lock = threading.Lock()

WORKER_LAST_SEEN_KEY = "hubportal:worker:last-seen"

OK, FAIL, SKIPPED = "ok", "fail", "skipped"

# Once every migration is applied it stays so for the life of the process (a migration is applied
# before new code starts, never taken back under running code): the loader's few milliseconds of
# reading every migration file are spent until then only.
_migrations_applied = False


# --- The worker's sign of life ------------------------------------------------------------------


def worker_heartbeat_record() -> None:
    """Record in the cache that a worker is running now (celery beat's heartbeat, a worker starting).

    Raises the cache's error when the cache is unreachable."""
    caches["default"].set(WORKER_LAST_SEEN_KEY, timezone.now(), timeout=None)


def _worker_last_seen(cache) -> dict:
    last_seen = cache.get(WORKER_LAST_SEEN_KEY)
    if not isinstance(last_seen, datetime):
        return {"last_seen": None, "age_seconds": None}
    return {"last_seen": last_seen.isoformat(),
            "age_seconds": round((timezone.now() - last_seen).total_seconds(), 1)}


# --- The checks: each returns its entry, or raises ------------------------------------------------


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"status": OK}


def _check_cache(cache) -> dict:
    # A key of this request's own: probes of several processes at once would otherwise read each
    # other's value and fail.
    key, token = f"hubportal:readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, timeout=30)
    try:
        if cache.get(key) != token:
            return {"status": FAIL, "error": "the value written was not read back"}
    finally:
        cache.delete(key)
    return {"status": OK}


def _check_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    scheme = url.split("://", 1)[0]
    if scheme not in ("redis", "rediss"):
        return {"status": SKIPPED, "reason": f"not checked: a {scheme} broker"}
    client = redis.Redis.from_url(url, socket_connect_timeout=BROKER_SOCKET_TIMEOUT_SECONDS,
                                  socket_timeout=BROKER_SOCKET_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()
    return {"status": OK}


def _check_storage() -> dict:
    # A name that is never written: its answer (False) is beside the point, reaching the storage is
    # (a folder for FileSystemStorage, a HEAD request for S3).
    default_storage.exists("healthz/readyz-probe")
    return {"status": OK}


def _check_migrations() -> dict:
    global _migrations_applied
    if _migrations_applied:
        return {"status": OK}
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        logger.warning("readiness: %d migrations not applied: %s", len(plan),
                       ", ".join(f"{migration.app_label}.{migration.name}" for migration, _ in plan))
        return {"status": FAIL, "unapplied": len(plan)}
    _migrations_applied = True
    return {"status": OK}


# --- Running them ---------------------------------------------------------------------------------


def _run(name: str, check: Callable[[], dict], outcome: dict) -> None:
    started = time.monotonic()
    try:
        outcome.update(check())
    except Exception as error:  # any failure of a service is the answer, never a 500
        logger.warning("readiness: %s check failed: %r", name, error)
        outcome.update(status=FAIL, error=type(error).__name__)
    finally:
        outcome["ms"] = round((time.monotonic() - started) * 1000, 1)
        # This thread's own database connection: nobody else would close it.
        connections.close_all()


def _start(name: str, check: Callable[[], dict], outcome: dict) -> threading.Thread | None:
    """The check's thread, started; None while an earlier one has been waiting past its deadline."""
    with _in_flight_lock:
        previous, started = _in_flight.get(name, (None, 0.0))
        if previous is not None and previous.is_alive() and time.monotonic() - started > CHECK_DEADLINE_SECONDS:
            return None
        thread = threading.Thread(target=_run, args=(name, check, outcome), name=f"readyz-{name}", daemon=True)
        thread.start()
        _in_flight[name] = (thread, time.monotonic())
        return thread


def _run_all(checks: dict[str, Callable[[], dict]], deadline_seconds: float) -> dict[str, dict]:
    deadline = time.monotonic() + deadline_seconds
    running = {}
    outcomes = {}
    for name, check in checks.items():
        outcome: dict = {}
        try:
            thread = _start(name, check, outcome)
        except RuntimeError as error:  # the process may start no more threads
            outcomes[name] = {"status": FAIL, "error": type(error).__name__}
            continue
        if thread is None:
            outcomes[name] = {"status": FAIL, "error": "the previous check has had no answer yet"}
        else:
            running[name] = (thread, outcome)
    for name, (thread, outcome) in running.items():
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            logger.warning("readiness: %s check gave no answer within %s s", name, deadline_seconds)
            outcomes[name] = {"status": FAIL, "error": f"no answer within {deadline_seconds} s"}
        else:
            outcomes[name] = dict(outcome)
    return outcomes


def readiness_report() -> dict:
    """Every check's outcome and the worker's last sign of life, as /readyz answers them.

    Never raises: a service that fails, raises or does not answer in time is reported as failed."""
    # The request thread's cache, whose connection pool lives as long as the process: a check thread's
    # own would open a connection to Redis at every probe.
    cache = caches["default"]
    checks = {
        "database": _check_database,
        "cache": partial(_check_cache, cache),
        "broker": _check_broker,
        "storage": _check_storage,
        "migrations": _check_migrations,
    }
    outcomes = _run_all({**checks, "worker": partial(_worker_last_seen, cache)}, CHECK_DEADLINE_SECONDS)
    failed = [name for name in checks if outcomes[name]["status"] == FAIL]
    worker = outcomes["worker"]
    return {
        "status": FAIL if failed else OK,
        **({"failed": failed} if failed else {}),
        "checks": {name: outcomes[name] for name in checks},
        # Informative only: a web process serves pages without a worker, and a probe that restarted it
        # for want of one would not bring the worker back.
        "worker": {"last_seen": worker.get("last_seen"), "age_seconds": worker.get("age_seconds")},
    }
