"""Dashboard speed: the page's (and two CSV files') median server time and SQL queries for a session of
150 trainees (the demo's July 2022 cohort) and one of 5,000 (twenty slots, all marked, two visits, a
certificate each for a third of them). Goal: 5,000 under 3x the 150 case and under 300 ms; queries equal.

    python tests/bench/bench_dashboard.py [--rounds 20]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench). The large
session (BENCH-DASH-5000) and the hub staff login are created once and kept. Time is measured around
Django's test client: middleware, view, template, no network.
"""

import argparse
import datetime as dt

from benchdb import DEMO_SESSION, analyze, page_timing, prepare_demo

LARGE_SESSION = "BENCH-DASH-5000"
LARGE_COHORT = 5000
PAGES = ["/dashboard/?session={code}", "/dashboard/countries.csv?session={code}",
         "/dashboard/at-risk.csv?session={code}"]


def large_session():
    """A closed session of 5,000 trainees from a dozen countries, made with bulk inserts (a minute at most)."""
    from django.db import transaction
    from django.utils import timezone

    from certificates.models import Certificate, CertificateStatus
    from cohorts.models import (AttendanceRecord, AttendanceStatus, CourseSession, Enrolment, EnrolmentStatus,
                                FacilityVisit, TimetableSlot)
    from curriculum.models import Course
    from trainees.models import Country, Organisation, Trainee, TraineeCategory

    session = CourseSession.objects.filter(code=LARGE_SESSION).first()
    if session is not None and session.enrolments.count() == LARGE_COHORT:
        return session
    now = timezone.now()
    with transaction.atomic():
        if session is not None:
            CourseSession.objects.filter(pk=session.pk).delete()
        course, _ = Course.objects.get_or_create(code="BENCH", defaults={"title": "Bench course", "kind": "theory"})
        start = dt.date(2024, 3, 4)
        session = CourseSession.objects.create(code=LARGE_SESSION, course=course, start_date=start,
                                               end_date=start + dt.timedelta(days=4), venue="Songdo",
                                               capacity=LARGE_COHORT, status="closed")
        countries = list(Country.objects.filter(code__in=["GH", "KE", "NG", "EG", "ET", "VN", "TH", "BR", "AR",
                                                           "KR", "ZA", "BD"]))
        host = Organisation.objects.get_or_create(name="Bench Biologics", country=countries[0],
                                                  defaults={"kind": "vaccine_manufacturer"})[0]
        categories = list(TraineeCategory.values)
        trainees = Trainee.objects.bulk_create([
            Trainee(given_name=f"Bench{i}", family_name="Dashboard", email=f"dash-{i}@dashboard.bench",
                    country=countries[i % len(countries)], category=categories[i % len(categories)])
            for i in range(LARGE_COHORT)])
        statuses = [EnrolmentStatus.COMPLETED, EnrolmentStatus.ATTENDED, EnrolmentStatus.CONFIRMED]
        enrolments = Enrolment.objects.bulk_create([
            Enrolment(trainee=t, session=session, status=statuses[i % 3], status_changed_at=now)
            for i, t in enumerate(trainees)])
        slots = TimetableSlot.objects.bulk_create([
            TimetableSlot(session=session, date=start + dt.timedelta(days=d), start_time=dt.time(h),
                          end_time=dt.time(h, 50), title=f"Lecture {d}-{h}")
            for d in range(5) for h in (9, 11, 14, 16)])
        marks = [AttendanceStatus.PRESENT] * 8 + [AttendanceStatus.LATE, AttendanceStatus.ABSENT]
        AttendanceRecord.objects.bulk_create([
            AttendanceRecord(enrolment=e, slot=s, status=marks[(i + j) % len(marks)] if i % 50 else
                             AttendanceStatus.ABSENT, marked_at=now)
            for i, e in enumerate(enrolments) for j, s in enumerate(slots)], batch_size=10_000)
        for hour in (9, 14):
            starts = timezone.make_aware(dt.datetime.combine(start, dt.time(hour)))
            visit = FacilityVisit.objects.create(session=session, host=host, site="Plant", capacity=2500,
                                                 starts_at=starts, ends_at=starts + dt.timedelta(hours=3))
            visit.participants.add(*enrolments[: 2000 if hour == 9 else 2600])
        Certificate.objects.bulk_create([
            Certificate(enrolment=e, course=course, year=2024, number=i + 1, serial=f"{LARGE_SESSION}-{i + 1:04d}",
                        holder_name=f"Bench{i} Dashboard", course_title=course.title, start_date=start,
                        end_date=session.end_date, learning_hours=20, issued_at=now, status=CertificateStatus.VALID)
            for i, e in enumerate(enrolments) if e.status == EnrolmentStatus.COMPLETED])
    return session


def staff_user():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user = User.objects.filter(email="bench-dashboard@hub.bench").first()
    return user or User.objects.create_superuser(email="bench-dashboard@hub.bench", password="bench-dashboard-pw")


def measure(user, code: str, rounds: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    results = {}
    for page in PAGES:
        url = page.format(code=code)
        results[page] = page_timing(client, url, rounds)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="requests per page; the median counts")
    args = parser.parse_args()
    prepare_demo()
    large_session()
    analyze()
    user = staff_user()
    small, large = measure(user, DEMO_SESSION, args.rounds), measure(user, LARGE_SESSION, args.rounds)
    print(f"Dashboard, median of {args.rounds} requests (server time), 150 trainees against {LARGE_COHORT:,}:")
    print(f"  {'page':<40} {'150':>16} {LARGE_COHORT:>18,}   queries equal  ratio   goal (<3x, <300 ms)")
    for page in PAGES:
        a, b = small[page], large[page]
        same = "yes" if a["queries"] == b["queries"] else "NO"
        ratio = b["ms"] / a["ms"]
        goal = "met" if ratio < 3 and b["ms"] < 300 and same == "yes" else "MISSED"
        print(f"  {page.format(code='…'):<40} {a['ms']:7.1f} ms {a['queries']:3d} q   {b['ms']:7.1f} ms "
              f"{b['queries']:3d} q   {same:<13}  {ratio:4.2f}x   {goal}")


if __name__ == "__main__":
    main()
