"""Trainee import speed: the project's importer beside django-import-export's per-row import and a
bare bulk_create of the same trainees, each measured in a process of its own, in one run. Then the
imports into a session: enrolments (every trainee confirmed, three recorded steps each) and one day's
attendance (four slots a trainee), which go through the same bulk services.

    python tests/bench/bench_import.py [--rows 10000] [--big 100000] [--session-rows 2000]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench; the
database is created and migrated when missing). Prints rows per second, the ratios, peak memory
(the process's maximum resident set) and the SQL queries each import made.
"""

import argparse
import csv
import io
import json
import time

from benchdb import peak_rss_mb, prepare_database, spawn

COUNTRIES = ["GH", "KE", "NG", "EG", "ET", "VN", "TH", "BD", "KR", "ZA"]


def make_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Given name", "Family name", "Email", "Country", "Organisation", "Job title", "Category"])
    for i in range(rows):
        code = COUNTRIES[i % len(COUNTRIES)]
        writer.writerow([f"Given{i}", f"Family{i % 997}", f"trainee{i}@bench.example", code,
                         f"Institute {code} {i % 5}", "QC Analyst", "lmic_production"])
    return out.getvalue().encode()


def setup_database():
    prepare_database()  # migrating loads the countries


def reset():
    """Empty the tables an import writes, and create the organisations (so all three find them)."""
    from django.db import connection

    from trainees.models import Country, Organisation

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE trainees_trainee, trainees_organisation, audit_auditentry RESTART IDENTITY CASCADE")
    countries = {str(c.code): c for c in Country.objects.filter(code__in=COUNTRIES)}
    Organisation.objects.bulk_create(
        Organisation(name=f"Institute {code} {n}", country=countries[code], kind="vaccine_manufacturer")
        for code in COUNTRIES for n in range(5)
    )


def run_ours(data: bytes):
    from hubportal.tabular import read_table
    from trainees.imports import trainees_import

    report = trainees_import(actor=None, table=read_table(data), dry_run=False, file_name="bench.csv")
    assert report.ok and report.created == data.count(b"\n") - 1, report.summary()


def run_import_export(data: bytes):
    import tablib
    from import_export import fields, resources, widgets

    from trainees.models import Country, Organisation, Trainee

    class CountryCodeWidget(widgets.ForeignKeyWidget):
        pass

    class TraineeResource(resources.ModelResource):
        country = fields.Field(attribute="country", column_name="Country",
                               widget=CountryCodeWidget(Country, field="code"))
        organisation = fields.Field(attribute="organisation", column_name="Organisation",
                                    widget=widgets.ForeignKeyWidget(Organisation, field="name"))
        email = fields.Field(attribute="email", column_name="Email")
        given_name = fields.Field(attribute="given_name", column_name="Given name")
        family_name = fields.Field(attribute="family_name", column_name="Family name")
        job_title = fields.Field(attribute="job_title", column_name="Job title")
        category = fields.Field(attribute="category", column_name="Category")

        class Meta:
            model = Trainee
            import_id_fields = ("email",)
            fields = ("email", "given_name", "family_name", "country", "organisation", "job_title", "category")

    dataset = tablib.Dataset().load(data.decode(), format="csv")
    result = TraineeResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert result.totals["new"] == len(dataset), result.totals


def run_bulk_create(data: bytes):
    from trainees.models import Country, Organisation, Trainee

    rows = list(csv.DictReader(io.StringIO(data.decode())))
    countries = {str(c.code): c for c in Country.objects.all()}
    organisations = {(o.country_id, o.name): o for o in Organisation.objects.all()}
    Trainee.objects.bulk_create(
        Trainee(given_name=r["Given name"], family_name=r["Family name"], email=r["Email"],
                country=countries[r["Country"]],
                organisation=organisations[(countries[r["Country"]].pk, r["Organisation"])],
                job_title=r["Job title"], category=r["Category"])
        for r in rows
    )


SLOT_HOURS = (9, 11, 14, 16)  # the first day's timetable of the bench session


def measure_session_imports(rows: int) -> dict:
    """In this process: `rows` trainees and a session with four slots on its first day; time the
    enrolment import that confirms them all, then the attendance import of that day."""
    import datetime as dt

    import django
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    django.setup()
    from cohorts.imports import attendance_import, enrolments_import
    from cohorts.models import CourseSession, SessionStatus, TimetableSlot
    from curriculum.models import Course, CourseKind
    from hubportal.tabular import read_table
    from trainees.models import Country, Trainee

    reset()  # takes the last run's enrolments and attendance with the trainees
    country = Country.objects.get(code="GH")
    emails = [f"trainee{i}@bench.example" for i in range(rows)]
    Trainee.objects.bulk_create(Trainee(given_name=f"Given{i}", family_name="Family", email=email, country=country,
                                        category="lmic_production") for i, email in enumerate(emails))
    course, _created = Course.objects.get_or_create(code="BENCH",
                                                    defaults={"title": "Bench", "kind": CourseKind.THEORY})
    session, _created = CourseSession.objects.update_or_create(code="BENCH-IMPORT", defaults={
        "course": course, "start_date": dt.date(2030, 7, 1), "end_date": dt.date(2030, 7, 5), "venue": "Bench",
        "capacity": rows, "status": SessionStatus.RUNNING})
    for hour in SLOT_HOURS:
        TimetableSlot.objects.get_or_create(session=session, date=session.start_date, start_time=dt.time(hour),
                                            defaults={"end_time": dt.time(hour, 50), "title": f"Slot {hour}"})

    def as_csv(rows_: list[list[str]]) -> bytes:
        out = io.StringIO()
        csv.writer(out).writerows(rows_)
        return out.getvalue().encode()

    files = {
        "enrolments": (enrolments_import, as_csv([["Email", "Status"]] + [[e, "confirmed"] for e in emails]), rows),
        "attendance": (attendance_import, as_csv([["Email", "Date", "Attendance"]] +
                                                 [[e, "2030-07-01", "P"] for e in emails]), rows * len(SLOT_HOURS)),
    }
    figures = {"rows": rows}
    for kind, (importer, data, records) in files.items():
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            report = importer(actor=None, table=read_table(data), session=session, dry_run=False, file_name="bench.csv")
            elapsed = time.perf_counter() - start
        assert report.ok and report.created == records, report.summary()
        figures[kind] = {"seconds": elapsed, "records": records, "queries": len(queries)}
    figures["peak_mb"] = peak_rss_mb()
    return figures


def _queries(count: int) -> str:
    # Django keeps the last 9,000 queries of a connection: a count that reaches it is a floor.
    return f">={count}" if count >= 9000 else str(count)


RUNNERS = {"ours": run_ours, "import_export": run_import_export, "bulk_create": run_bulk_create}


def measure_one(kind: str, rows: int) -> dict:
    """In this process: prepare, then time one import; report time, peak RSS and queries."""
    import django
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    django.setup()
    reset()
    data = make_csv(rows)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        RUNNERS[kind](data)
        elapsed = time.perf_counter() - start
    return {"kind": kind, "rows": rows, "seconds": elapsed, "peak_mb": peak_rss_mb(), "queries": len(queries)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=100_000, help="rows of the out-of-memory check (0: skip)")
    parser.add_argument("--session-rows", type=int, default=2_000,
                        help="trainees of the enrolment and attendance imports (0: skip)")
    parser.add_argument("--one", choices=[*RUNNERS, "session"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one == "session":
        print(json.dumps(measure_session_imports(args.session_rows)))
        return
    if args.one:
        print(json.dumps(measure_one(args.one, args.rows)))
        return
    setup_database()
    results = {kind: spawn(__file__, "--one", kind, "--rows", str(args.rows))
               for kind in ("ours", "import_export", "bulk_create")}
    ours, ie, bulk = results["ours"], results["import_export"], results["bulk_create"]
    print(f"Trainee import of {args.rows:,} CSV rows (PostgreSQL), each in a fresh process:")
    for label, r in (("project importer", ours), ("(a) import-export per-row", ie), ("(b) bare bulk_create", bulk)):
        print(f"  {label:<28} {r['seconds']:8.2f} s  {r['rows'] / r['seconds']:10,.0f} rows/s  "
              f"peak {r['peak_mb']:6.0f} MB  {_queries(r['queries']):>7} queries")
    print(f"  speed-up over (a): {ie['seconds'] / ours['seconds']:.1f}x   (goal: at least 10x)")
    print(f"  cost against (b):  {ours['seconds'] / bulk['seconds']:.2f}x   (goal: within 3x)")
    print(f"  peak memory:       {ours['peak_mb']:.0f} MB   (goal: under 300 MB)")
    if args.big:
        big = spawn(__file__, "--one", "ours", "--rows", str(args.big))
        print(f"  {args.big:,} rows: {big['seconds']:.1f} s, {big['rows'] / big['seconds']:,.0f} rows/s, "
              f"peak {big['peak_mb']:.0f} MB, {_queries(big['queries'])} queries")
    if args.session_rows:
        figures = spawn(__file__, "--one", "session", "--session-rows", str(args.session_rows))
        print(f"Imports into a session of {args.session_rows:,} trainees (PostgreSQL), in a fresh process:")
        for kind, label in (("enrolments", "enrolments, all confirmed"), ("attendance", "attendance, one day")):
            r = figures[kind]
            print(f"  {label:<28} {r['seconds']:8.2f} s  {r['records'] / r['seconds']:10,.0f} records/s  "
                  f"{r['records']:>7,} records  {_queries(r['queries']):>7} queries")
        print(f"  peak memory:       {figures['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
