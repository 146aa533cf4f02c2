"""Report speed: the July 2022 session's attendance report (PDF, XLSX, CSV) and the report across
sessions by country, each format in a fresh process, against the goal of under 3 s for the PDF.

    python tests/bench/bench_reports.py [--rounds 3]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench) and the
demo hub (`seed_demo`: 150 trainees with attendance for every slot and visit of the July session).
"first" is the first report of a fresh process, as a worker's first job pays for imports, templates
and fonts; "then" is the best of the next `--rounds`, as a worker that has rendered before. Both
include reading the data from the database.
"""

import argparse
import json
import time

from benchdb import DEMO_SESSION, peak_rss_mb, prepare_demo, spawn

GOAL_SECONDS = 3.0
KINDS = ["attendance pdf", "attendance xlsx", "attendance csv", "country pdf", "country xlsx"]


def measure(kind: str, rounds: int) -> dict:
    """In this process: make one report `rounds` + 1 times, timing each from the session's code."""
    import django

    django.setup()
    from cohorts.models import CourseSession
    from reports.builders import attendance_report, country_report

    report, fmt = kind.split()

    def make() -> bytes:
        if report == "attendance":
            return attendance_report(CourseSession.objects.get(code=DEMO_SESSION), fmt, actor=None)[0]
        return country_report(fmt, actor=None)[0]

    times = []
    for _ in range(rounds + 1):
        start = time.perf_counter()
        data = make()
        times.append(time.perf_counter() - start)
    return {"kind": kind, "first": times[0], "then": min(times[1:]), "bytes": len(data),
            "peak_mb": peak_rss_mb()}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="timed runs after the first; the best counts")
    parser.add_argument("--one", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.one:
        print(json.dumps(measure(args.one, args.rounds)))
        return
    prepare_demo()
    print(f"Reports of the demo hub ({DEMO_SESSION}: 150 trainees), each in a fresh process:")
    results = {}
    for kind in KINDS:
        results[kind] = result = spawn(__file__, "--one", kind, "--rounds", str(args.rounds))
        print(f"  {kind:<16} first {result['first']:5.2f} s   then {result['then']:5.2f} s   "
              f"{result['bytes'] / 1024:7.0f} KB   peak {result['peak_mb']:4.0f} MB")
    pdf = results["attendance pdf"]
    print(f"  attendance PDF against the goal of {GOAL_SECONDS:.0f} s: first {pdf['first'] / GOAL_SECONDS:.2f}x, "
          f"then {pdf['then'] / GOAL_SECONDS:.2f}x   (goal: under 1x)")


if __name__ == "__main__":
    main()
