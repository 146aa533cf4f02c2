"""Trainee site speed: each page's median server time and its SQL queries, for a trainee with one
session and for one with ten (each with its timetable, a visit, marks and a certificate). The query
counts must be equal: no page may grow with a trainee's history.

    python tests/bench/bench_portal.py [--rounds 20]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench). The two
trainees are created once (emails bench-1@portal.bench, bench-10@portal.bench) and kept. Time is
measured around Django's test client: middleware, view, template, no network.
"""

import argparse
import datetime as dt

from benchdb import analyze, page_timing, prepare_database

PAGES = ["/", "/sessions/BENCH-01/timetable/", "/attendance/", "/certificates/", "/profile/", "/calendar.ics",
         "/profile/data.json"]


def trainee_with_sessions(count: int):
    """A trainee enrolled in `count` completed sessions of 20 slots and one visit each, all marked."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from certificates.models import Certificate, CertificateStatus
    from cohorts.models import AttendanceStatus, CourseSession, Enrolment, EnrolmentStatus, FacilityVisit, TimetableSlot
    from cohorts.services import attendance_mark
    from curriculum.models import Course
    from trainees.models import Country, Organisation, Trainee

    email = f"bench-{count}@portal.bench"
    trainee = Trainee.objects.filter(email=email).first()
    if trainee is not None:
        return trainee
    # What another bench's clean-up (bench_import empties the trainee tables) left of an earlier run.
    user = get_user_model().objects.filter(email=email).first() or get_user_model().objects.create_user(
        email=email, password="bench-portal-password")
    CourseSession.objects.filter(code__startswith="BENCH-", code__endswith=f"-{count:02d}").delete()
    country = Country.objects.get(code="GH")
    organisation, _ = Organisation.objects.get_or_create(name="Bench Vaccines", country=country,
                                                         defaults={"kind": "vaccine_manufacturer"})
    trainee = Trainee.objects.create(given_name="Bench", family_name=str(count), email=email, country=country,
                                     organisation=organisation, category="lmic_production", user=user)
    course, _ = Course.objects.get_or_create(code="BENCH", defaults={"title": "Bench course", "kind": "theory"})
    for index in range(1, count + 1):
        code = f"BENCH-{index:02d}-{count:02d}" if index > 1 else f"BENCH-01-{count:02d}"
        start = dt.date(2023, 1, 2) + dt.timedelta(days=7 * index)
        session = CourseSession.objects.create(code=code, course=course, start_date=start,
                                               end_date=start + dt.timedelta(days=4), venue="Songdo", capacity=40)
        enrolment = Enrolment.objects.create(trainee=trainee, session=session, status=EnrolmentStatus.COMPLETED,
                                             status_changed_at=timezone.now())
        for day in range(5):
            for hour in (9, 11, 14, 16):
                slot = TimetableSlot.objects.create(session=session, date=start + dt.timedelta(days=day),
                                                    start_time=dt.time(hour), end_time=dt.time(hour + 1, 30),
                                                    title=f"Lecture {day}-{hour}", room="B101")
                attendance_mark(actor=None, slot=slot, statuses={enrolment.pk: AttendanceStatus.PRESENT})
        visit = FacilityVisit.objects.create(
            session=session, host=organisation, site="Plant", capacity=40, meeting_point="Gate",
            starts_at=timezone.make_aware(dt.datetime.combine(start, dt.time(8))),
            ends_at=timezone.make_aware(dt.datetime.combine(start, dt.time(9))))
        visit.participants.add(enrolment)
        Certificate.objects.create(
            enrolment=enrolment, course=course, year=2023, number=index * 100 + count, serial=f"{code}-0001",
            holder_name=trainee.full_name, course_title=course.title, start_date=start, end_date=session.end_date,
            learning_hours=20, issued_at=timezone.now(), status=CertificateStatus.VALID)
    return trainee


def measure(trainee, rounds: int) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(trainee.user)
    first_code = trainee.enrolments.order_by("session__start_date").first().session.code
    results = {}
    for page in PAGES:
        url = page.replace("BENCH-01", first_code)
        results[page] = page_timing(client, url, rounds)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="requests per page; the median counts")
    args = parser.parse_args()
    prepare_database()
    one, ten = trainee_with_sessions(1), trainee_with_sessions(10)
    analyze()
    small, large = measure(one, args.rounds), measure(ten, args.rounds)
    print(f"Trainee pages, median of {args.rounds} requests (server time), one session against ten:")
    print(f"  {'page':<32} {'1 session':>16} {'10 sessions':>18}   queries equal")
    for page in PAGES:
        a, b = small[page], large[page]
        same = "yes" if a["queries"] == b["queries"] else "NO"
        print(f"  {page:<32} {a['ms']:7.1f} ms {a['queries']:3d} q   {b['ms']:7.1f} ms {b['queries']:3d} q"
              f"   {same}   ({b['ms'] / a['ms']:.2f}x)")


if __name__ == "__main__":
    main()
