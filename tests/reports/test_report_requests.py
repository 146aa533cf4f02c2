"""Asking for a report in the admin: the job it queues, and the file the worker writes."""

import pytest
from django.utils import translation

from hubportal.jobs.models import Job
from hubportal.jobs.services import job_run
from reports.services import ReportKind, country_report_request

pytestmark = pytest.mark.django_db


def test_staff_queue_the_report_by_country_from_the_jobs_page(staff_client, django_capture_on_commit_callbacks):
    assert "Report by country, all sessions:" in staff_client.get("/admin/jobs/job/").content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post("/admin/jobs/job/country-report/", {"format": "csv"})
    job = Job.objects.get()
    assert (job.kind, job.params, response.status_code) == (ReportKind.COUNTRY_REPORT, {"format": "csv"}, 302)
    assert len(callbacks) == 1
    assert staff_client.post("/admin/jobs/job/country-report/", {"format": "exe"}).status_code == 403
    assert Job.objects.count() == 1


def test_a_job_run_while_korean_is_active_writes_its_report_in_english(hub_staff):
    job = country_report_request(actor=hub_staff, fmt="csv")
    with translation.override("ko"):
        job_run(job.pk)

    job.refresh_from_db()
    text = job.result.open("rb").read().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Country")  # not 국가
