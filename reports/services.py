"""The background jobs that make the reports' files."""

from django.core.files.base import ContentFile
from django.db import models
from django.utils.translation import gettext_lazy as _

from hubportal.jobs.models import Job
from hubportal.jobs.registry import register
from hubportal.jobs.services import job_finish

from .builders import attendance_report, country_report


class ReportKind(models.TextChoices):
    """The background jobs this app runs. The keys are stored in job rows and in the jobs list's
    filter URLs: they stay as they were when these jobs ran in certificates."""

    ATTENDANCE_REPORT = "attendance_report", _("Attendance report of a session")
    COUNTRY_REPORT = "country_report", _("Report by country across sessions")


@register(ReportKind.ATTENDANCE_REPORT, ReportKind.ATTENDANCE_REPORT.label)
def _attendance_report(job: Job) -> None:
    content, extension = attendance_report(job.session, job.params.get("format", "pdf"))
    name = job.result.storage.save(f"jobs/{job.session.code}-attendance.{extension}", ContentFile(content))
    job_finish(job, result_name=name)


@register(ReportKind.COUNTRY_REPORT, ReportKind.COUNTRY_REPORT.label)
def _country_report(job: Job) -> None:
    content, extension = country_report(job.params.get("format", "xlsx"))
    name = job.result.storage.save(f"jobs/countries.{extension}", ContentFile(content))
    job_finish(job, result_name=name)
