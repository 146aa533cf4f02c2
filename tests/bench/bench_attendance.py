"""Attendance taken in the room (issue 15):

1. The roll-call page: median server time and SQL queries for a session of 150 trainees and of 5,000
   (goals: 5,000 under 3x the 150 case and under 300 ms; queries equal).
2. A check-in burst: gunicorn with the production settings (the Dockerfile's command), 150 distinct
   signed-in trainees opening and confirming the current check-in address from 50 concurrent clients
   on loopback (goals: exactly 150 marks stored, no duplicate, no error, all within 60 s).

    python tests/bench/bench_attendance.py [--rounds 20] [--trainees 150] [--clients 50]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench) and Redis
(CACHE_URL for gunicorn, default redis://127.0.0.1:6379/5). The sessions ROLLCALL-150 and
ROLLCALL-5000 and their trainees (emails rollcall-*@bench.test) are created once and kept; each
burst adds a slot of its own to BENCH-CHECKIN.
"""

import argparse
import datetime as dt
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# Production refuses a short key; the sessions and check-in codes made here must hold in gunicorn.
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-not-secret-" + "0123456789abcdef" * 3)

from benchdb import ROOT, analyze, page_timing, prepare_database  # noqa: E402

sys.path.insert(0, str(ROOT))


def session_of(size: int, code: str):
    """A running session of `size` confirmed trainees, with one slot; made once, kept."""
    from django.db import transaction

    with transaction.atomic():
        return _session_of(size, code)


def _session_of(size: int, code: str):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cohorts.models import CourseSession, Enrolment, EnrolmentStatus, TimetableSlot
    from curriculum.models import Course
    from trainees.models import Country, Trainee

    session = CourseSession.objects.filter(code=code).first()
    if session is not None and session.enrolments.count() != size:
        # Another bench emptied the trainee tables (bench_import.py): start this session afresh.
        Enrolment.objects.filter(session=session).delete()
        session.delete()
        Trainee.objects.filter(email__startswith=f"{code.lower()}-", enrolments__isnull=True).delete()
        session = None
    if session is None:
        today = timezone.localdate()
        course, _ = Course.objects.get_or_create(code="BENCH", defaults={"title": "Bench course", "kind": "theory"})
        session = CourseSession.objects.create(code=code, course=course, start_date=today - dt.timedelta(days=1),
                                               end_date=today + dt.timedelta(days=3650), venue="Songdo",
                                               capacity=size, status="running")
        countries = list(Country.objects.order_by("code")[:60])
        User = get_user_model()
        prefix = code.lower()
        users = [None] * size
        if size <= 150:  # signed in for the burst; kept by a database another bench empties of trainees
            User.objects.bulk_create((User(email=f"{prefix}-{i}@bench.test", password="!") for i in range(size)),
                                     ignore_conflicts=True)
            by_email = {u.email: u for u in User.objects.filter(email__startswith=f"{prefix}-")}
            users = [by_email[f"{prefix}-{i}@bench.test"] for i in range(size)]
        trainees = Trainee.objects.bulk_create(
            Trainee(given_name=f"Given{i}", family_name=f"Family{i:05d}", email=f"{prefix}-{i}@bench.test",
                    country=countries[i % len(countries)], category="lmic_production", user=users[i],
                    preferred_name="Kim" if i % 7 == 0 else "")
            for i in range(size))
        Enrolment.objects.bulk_create(Enrolment(trainee=t, session=session, status=EnrolmentStatus.CONFIRMED,
                                                status_changed_at=timezone.now()) for t in trainees)
    TimetableSlot.objects.get_or_create(session=session, title="Roll call bench", defaults={
        "date": session.start_date, "start_time": dt.time(9), "end_time": dt.time(10, 30)})
    return session


def measure_roll_call(session, rounds: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cohorts.models import AttendanceStatus
    from cohorts.services import attendance_mark

    slot = session.slots.get(title="Roll call bench")
    ids = list(session.enrolments.values_list("pk", flat=True))
    # A third of them marked, as in the middle of a roll call.
    attendance_mark(actor=None, slot=slot, statuses={pk: AttendanceStatus.PRESENT for pk in ids[::3]})
    staff = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.create_superuser(
        email="bench-admin@bench.test", password="bench-admin-password")
    client = Client()
    client.force_login(staff)
    page = page_timing(client, f"/attendance/slots/{slot.pk}/roll-call/", rounds)
    # The page's rows come after it, as JSON: the work a phone waits for in all.
    rows = page_timing(client, f"/attendance/slots/{slot.pk}/marks/?everyone=1", rounds)
    return {**page, "rows_ms": rows["ms"], "rows_queries": rows["queries"], "rows_bytes": rows["bytes"]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int) -> list[str]:
    """The Dockerfile's CMD, bound to a loopback port."""
    line = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD "))
    command = [part.strip('" ') for part in line[4:].strip("[] ").split(",")]
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[0] = str(Path(sys.executable).parent / command[0])
    return command


def production_env(static_root: str) -> dict:
    from django.conf import settings

    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CELERY_"))}
    env.update(DJANGO_SETTINGS_MODULE="hubportal.settings.production",
               DJANGO_SECRET_KEY=settings.SECRET_KEY,  # the sessions and check-in codes made here must hold there
               DJANGO_ALLOWED_HOSTS="127.0.0.1", PORTAL_BASE_URL="http://127.0.0.1",
               DJANGO_SECURE_COOKIES="false", DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_STATIC_ROOT=static_root,
               DJANGO_MEDIA_ROOT=tempfile.mkdtemp(prefix="bench-media-"),
               DATABASE_URL=os.environ["DATABASE_URL"],
               CELERY_BROKER_URL=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6"),
               CACHE_URL=os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/5"))
    return env


def burst_slot(trainees: int):
    """A slot of BENCH-CHECKIN that started a minute ago, and the session cookies of its trainees."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from cohorts.models import CourseSession, Enrolment, TimetableSlot
    from trainees.models import Trainee

    session = session_of(trainees, "BENCH-CHECKIN")
    now = timezone.localtime()
    CourseSession.objects.filter(pk=session.pk).update(start_date=min(session.start_date, now.date()))
    slot = TimetableSlot.objects.create(session=session, date=now.date(), start_time=now.time().replace(microsecond=0),
                                        end_time=dt.time(23, 59, 59), title="Check-in burst")
    TimetableSlot.objects.filter(pk=slot.pk).update(start_time=(now - dt.timedelta(minutes=1)).time())
    users = get_user_model().objects.filter(trainee__enrolments__session=session)
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    assert len(cookies) == trainees, len(cookies)
    del Trainee, Enrolment
    return slot, cookies


def run_burst(trainees: int, clients: int) -> dict:
    from cohorts import checkin
    from cohorts.models import AttendanceRecord

    sys.path.insert(0, str(ROOT / "tests" / "cohorts"))
    from checkin_burst import burst

    slot, cookies = burst_slot(trainees)
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = production_env(static_root)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = free_port()
    log = open(Path(tempfile.mkdtemp(prefix="bench-gunicorn-")) / "gunicorn.log", "wb")
    process = subprocess.Popen(gunicorn_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/health/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start; log: {log.name}")
                time.sleep(0.2)
        result = burst(base, f"/check-in/{checkin.token_for(slot.pk)}/", cookies, workers=clients)
    finally:
        process.terminate()
        process.wait(timeout=30)
    records = AttendanceRecord.objects.filter(slot=slot)
    result["stored"] = records.count()
    result["duplicates"] = result["stored"] - records.values("enrolment").distinct().count()
    result["workers"] = " ".join(shlex.quote(part) for part in gunicorn_command(port)[1:])
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="requests per page; the median counts")
    parser.add_argument("--trainees", type=int, default=150, help="trainees checking in")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    args = parser.parse_args()
    prepare_database()
    sessions = session_of(150, "ROLLCALL-150"), session_of(5000, "ROLLCALL-5000")
    analyze()
    small, large = (measure_roll_call(session, args.rounds) for session in sessions)
    ratio = large["ms"] / small["ms"]
    print(f"Roll-call page, median of {args.rounds} requests (server time):")
    print(f"  150 trainees:   {small['ms']:7.1f} ms {small['queries']:3d} queries {small['bytes'] / 1024:7.0f} KB")
    print(f"  5,000 trainees: {large['ms']:7.1f} ms {large['queries']:3d} queries {large['bytes'] / 1024:7.0f} KB")
    for size, result in (("150", small), ("5,000", large)):
        print(f"  its rows (GET …/marks/?everyone=1), {size}: {result['rows_ms']:7.1f} ms "
              f"{result['rows_queries']:3d} queries {result['rows_bytes'] / 1024:7.0f} KB")
    print(f"  ratio {ratio:.2f}x (goal < 3x), 5,000 under 300 ms: {'yes' if large['ms'] < 300 else 'NO'}, "
          f"queries equal: {'yes' if small['queries'] == large['queries'] else 'NO'}")
    result = run_burst(args.trainees, args.clients)
    print(f"Check-in burst: {args.trainees} trainees, {args.clients} clients, gunicorn {result['workers']}")
    print(f"  stored {result['stored']} (goal {args.trainees}), duplicates {result['duplicates']}, "
          f"errors {len(result['errors'])}, {result['requests']} requests in {result['seconds']:.1f} s "
          f"(goal < 60 s)")
    print(f"  latency median {result['median_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms")
    for error in result["errors"][:3]:
        print("  error:", error)


if __name__ == "__main__":
    main()
