"""Certificate rendering speed: the project's renderer beside a fresh WeasyPrint render per certificate
and a single WeasyPrint document of all of them, each measured in a process of its own, in one run;
then a worker's memory over 1,000 certificates.

    python tests/bench/bench_certificates.py [--rounds 3] [--memory 1000]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/hubportal_bench; the
database is created and migrated when missing) and the demo hub (`seed_demo`, idempotent). The
certificates are those the July 2022 cohort would hold (150, names in every script of the cohort),
built in memory and never saved. Each measuring process first renders one certificate untimed, so
that imports count for none of the three (the project renderer then forgets the fixed layer it keeps
per course run, the fonts it keeps per thread and the font faces it prepares for subsetting, so that
making them again counts). (a) is WeasyPrint as it comes: the project's font subsetting
(certificates/fontsubset.py) is switched off in its process; (b) renders with it. The three run in
turn, `--rounds` times; each round's ratios are printed and their median is the figure (three rounds
and the memory check take about 2 minutes).
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from benchdb import DEMO_SESSION, peak_rss_mb, prepare_demo, spawn

# As the worker renders them (certificates.services.RENDER_CHUNK).
CHUNK = 25


def cohort_certificates() -> list:
    """One unsaved certificate per enrolment of the July 2022 session, as certificates_issue makes them."""
    from django.db.models import Sum
    from django.utils import timezone

    from certificates.models import Certificate
    from cohorts.models import CourseSession, Enrolment

    session = CourseSession.objects.select_related("course").get(code=DEMO_SESSION)
    hours = session.course.modules.aggregate(total=Sum("learning_hours"))["total"] or 0
    enrolments = Enrolment.objects.filter(session=session).select_related("trainee").order_by("pk")
    now = timezone.now()
    year = session.end_date.year
    return [
        Certificate(
            enrolment=enrolment, course=session.course, year=year, number=number,
            serial=f"{session.course.code}-{year}-{number:04d}",
            holder_name=enrolment.trainee.full_name, holder_native_name=enrolment.trainee.native_name,
            course_title=session.course.title, start_date=session.start_date, end_date=session.end_date,
            learning_hours=hours, issued_at=now,
        )
        for number, enrolment in enumerate(enrolments, start=1)
    ]


def run_ours(certificates) -> int:
    from certificates.rendering import render_certificates

    written = 0
    for start in range(0, len(certificates), CHUNK):
        chunk = certificates[start : start + CHUNK]
        pdfs = render_certificates(chunk)
        assert len(pdfs) == len(chunk)
        written += sum(len(pdf) for pdf in pdfs)
    return written


def run_fresh_each(certificates) -> int:
    import weasyprint
    from django.conf import settings

    from certificates import fontsubset
    from certificates.rendering import certificate_html

    # WeasyPrint as it comes, subsetting fonts its own way too.
    fontsubset.uninstall()

    # WeasyPrint's default URL fetcher, reading the stylesheet straight from the static folder.
    base_url = (Path(settings.BASE_DIR) / "static").as_uri() + "/"
    return sum(len(weasyprint.HTML(string=certificate_html([c]), base_url=base_url).write_pdf())
               for c in certificates)


def run_one_document(certificates) -> int:
    from certificates.pdf import html_to_pdf
    from certificates.rendering import certificate_html

    return len(html_to_pdf(certificate_html(certificates)))


RUNNERS = {"ours": run_ours, "fresh_each": run_fresh_each, "one_document": run_one_document}


def current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_one(kind: str) -> dict:
    """In this process: build the certificates, warm up on one, then time one way of rendering."""
    import django

    django.setup()
    certificates = cohort_certificates()
    RUNNERS[kind](certificates[:1])
    if kind == "ours":
        from certificates import fontsubset, pdf
        from certificates.rendering import _fixed_layer_pdf

        _fixed_layer_pdf.cache_clear()
        del pdf._fonts.configuration
        fontsubset.prepared_faces.clear()
    start = time.perf_counter()
    written = RUNNERS[kind](certificates)
    elapsed = time.perf_counter() - start
    return {"kind": kind, "certificates": len(certificates), "seconds": elapsed, "bytes": written,
            "peak_mb": peak_rss_mb()}


def measure_memory(total: int) -> dict:
    """In this process: render `total` certificates in chunks as a worker does, noting RSS on the way."""
    import django

    django.setup()
    from certificates.rendering import render_certificates

    cohort = cohort_certificates()
    render_certificates(cohort[:1])
    before = {"peak_mb": peak_rss_mb(), "rss_mb": current_rss_mb()}
    certificates = (cohort * (total // len(cohort) + 1))[:total]
    steps = []
    start = time.perf_counter()
    for begin in range(0, total, CHUNK):
        render_certificates(certificates[begin : begin + CHUNK])
        done = begin + CHUNK
        if done % 200 == 0 or done >= total:
            steps.append({"done": min(done, total), "rss_mb": current_rss_mb(), "peak_mb": peak_rss_mb(),
                          "seconds": time.perf_counter() - start})
    return {"before": before, "steps": steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three ways; the median ratio counts")
    parser.add_argument("--memory", type=int, default=1000, help="certificates of the memory check (0: skip)")
    parser.add_argument("--one", choices=RUNNERS, help=argparse.SUPPRESS)
    parser.add_argument("--memory-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return
    if args.memory_one:
        print(json.dumps(measure_memory(args.memory_one)))
        return
    prepare_demo()
    # The three ways run one after the other in each round, and each round gives its own ratios: on a
    # machine whose speed drifts (a shared virtual machine), ratios of times taken side by side hold
    # where a best time of one way and a best time of another, taken minutes apart, need not.
    rounds = [{kind: spawn(__file__, "--one", kind) for kind in RUNNERS} for _ in range(args.rounds)]
    n = rounds[0]["ours"]["certificates"]
    print(f"Certificates of {DEMO_SESSION} ({n}, one A4 page each), each way in a fresh process, "
          f"{args.rounds} round{'s' if args.rounds > 1 else ''}:")
    for label, kind in (("project renderer (chunks of 25)", "ours"), ("(a) fresh WeasyPrint call each", "fresh_each"),
                        ("(b) one document of all pages", "one_document")):
        r = min((round_[kind] for round_ in rounds), key=lambda result: result["seconds"])
        times = "  ".join(f"{round_[kind]['seconds']:6.2f}" for round_ in rounds)
        print(f"  {label:<34} {times} s   best: {n / r['seconds']:5.1f} certificates/s, "
              f"peak {r['peak_mb']:4.0f} MB, {r['bytes'] / 2**20:4.1f} MB of PDF")
    speedups = [round_["fresh_each"]["seconds"] / round_["ours"]["seconds"] for round_ in rounds]
    costs = [round_["ours"]["seconds"] / round_["one_document"]["seconds"] for round_ in rounds]
    print(f"  speed-up over (a): {'  '.join(f'{x:.1f}x' for x in speedups)}   median {statistics.median(speedups):.1f}x"
          f"   (goal: at least 5x)")
    print(f"  cost against (b):  {'  '.join(f'{x:.2f}x' for x in costs)}   median {statistics.median(costs):.2f}x"
          f"   (goal: within 1.5x)")
    if args.memory:
        memory = spawn(__file__, "--memory-one", str(args.memory))
        before = memory["before"]
        print(f"Worker memory over {args.memory:,} certificates in chunks of {CHUNK} (one process):")
        print(f"  before: RSS {before['rss_mb']:.0f} MB, peak {before['peak_mb']:.0f} MB")
        for step in memory["steps"]:
            print(f"  after {step['done']:>5,}: RSS {step['rss_mb']:.0f} MB, peak {step['peak_mb']:.0f} MB "
                  f"({step['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
