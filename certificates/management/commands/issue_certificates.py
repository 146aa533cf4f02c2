import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from certificates import services
from cohorts.models import CourseSession
from hubportal.jobs.models import Job, JobStatus
from hubportal.jobs.services import job_run


class Command(BaseCommand):
    help = "Issue certificates to every eligible trainee of a session; their PDFs are rendered by a worker."

    def add_arguments(self, parser):
        parser.add_argument("session", help="the session's code, e.g. BDM-2022-07")
        how = parser.add_mutually_exclusive_group()
        how.add_argument("--wait", action="store_true", help="wait for the worker and print how many were issued")
        how.add_argument("--sync", action="store_true", help="render here, in this process (no worker needed)")
        parser.add_argument("--timeout", type=int, default=1800, help="seconds --wait waits at most")

    def handle(self, *args, **options):
        try:
            session = CourseSession.objects.get(code=options["session"])
        except CourseSession.DoesNotExist:
            raise CommandError(f"No session has the code {options['session']!r}.") from None
        try:
            job = services.certificates_issue(actor=None, session=session, enqueue=not options["sync"])
        except ValidationError as error:
            raise CommandError("Nothing to issue:\n  " + "\n  ".join(error.messages)) from None
        if options["sync"]:
            job_run(job.pk)
        else:
            self.stdout.write(f"Job {job.pk} queued: {job.total} certificate(s) of {session.code}.")
            if not options["wait"]:
                return
            job = self._wait(job, options["timeout"])
        job.refresh_from_db()
        if job.status != JobStatus.DONE:
            raise CommandError(f"Job {job.pk} {job.get_status_display().lower()}: {job.error or 'no worker answered'}")
        self.stdout.write(f"Issued {job.total} certificate(s) of {session.code}.")

    def _wait(self, job: Job, timeout: int) -> Job:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (JobStatus.DONE, JobStatus.FAILED):
                return job
            time.sleep(0.5)
        raise CommandError(f"Job {job.pk} did not finish within {timeout} s ({job.done} of {job.total} done); "
                           "is a worker running?")
