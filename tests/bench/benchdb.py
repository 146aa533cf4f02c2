"""The benchmarks' PostgreSQL database: DATABASE_URL, by default hubportal_bench on this machine."""

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hubportal_bench")
os.environ["DJANGO_SETTINGS_MODULE"] = "hubportal.settings.test"


def spawn(script: str, *args: str) -> dict:
    """Run a bench script again in a fresh process of its own; the JSON of its last output line."""
    out = subprocess.run([sys.executable, script, *args], check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """The most memory this process has held so far (its peak resident set), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare_database() -> None:
    """Create the database when missing, set Django up and migrate it."""
    import django
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# The demo hub's July 2022 session (hub-facts.md): 150 trainees.
DEMO_SESSION = "BDM-2022-07"
DEMO_COHORT = 150


def prepare_demo() -> None:
    """prepare_database(), then the demo hub of `seed_demo` (idempotent) with its whole July cohort."""
    prepare_database()
    import io

    from django.core.management import call_command
    from django.db import connection

    from cohorts.models import Enrolment

    if Enrolment.objects.filter(session__code=DEMO_SESSION).count() != DEMO_COHORT:
        # A bench database other benches share: bench_import.py empties the trainee tables, which
        # takes the cohort's enrolments with it while the sessions stay, and seed_demo leaves a
        # session that exists alone. Start the demo's sessions and trainees afresh.
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE cohorts_coursesession, trainees_trainee RESTART IDENTITY CASCADE")
    call_command("seed_demo", stdout=io.StringIO())
    count = Enrolment.objects.filter(session__code=DEMO_SESSION).count()
    assert count == DEMO_COHORT, f"{DEMO_SESSION} has {count} enrolments, not {DEMO_COHORT}"


def page_timing(client, url: str, rounds: int) -> dict:
    """One page through Django's test client: its median server time over `rounds` requests (after one
    that warms templates, translations and content types), its SQL queries, and its size."""
    import statistics
    import time

    from django.db import connection

    client.get(url)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - start)
    return {"ms": statistics.median(times) * 1000, "queries": len(queries), "bytes": len(response.content)}


def analyze() -> None:
    """Refresh PostgreSQL's statistics after a bench's bulk inserts. Without it (autovacuum off, or not
    yet run) the planner guesses a hundred rows where there are thousands, and a figure measures the
    guess rather than the code."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
