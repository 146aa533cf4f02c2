"""Asking for a report, and the background jobs that make the reports' files."""

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from cohorts.models import CourseSession, FacilityVisit
from hubportal import access
from hubportal.jobs.models import Job
from hubportal.jobs.registry import register
from hubportal.jobs.services import job_create, job_finish

from .builders import MANIFEST_FORMATS, attendance_report, check_format, country_report, visit_manifest


class ReportKind(models.TextChoices):
    """The background jobs this app runs. The keys are stored in job rows and in the jobs list's
    filter URLs: they stay as they were when these jobs ran in certificates."""

    ATTENDANCE_REPORT = "attendance_report", _("Attendance report of a session")
    COUNTRY_REPORT = "country_report", _("Report by country across sessions")
    VISIT_MANIFEST = "visit_manifest", _("Participants and bus manifest of a facility visit")


@register(ReportKind.ATTENDANCE_REPORT, ReportKind.ATTENDANCE_REPORT.label)
def _attendance_report(job: Job) -> None:
    content, extension = attendance_report(job.session, job.params.get("format", "pdf"), actor=job.requested_by)
    name = job.result.storage.save(f"jobs/{job.session.code}-attendance.{extension}", ContentFile(content))
    job_finish(job, result_name=name)


@register(ReportKind.COUNTRY_REPORT, ReportKind.COUNTRY_REPORT.label)
def _country_report(job: Job) -> None:
    content, extension = country_report(job.params.get("format", "xlsx"), actor=job.requested_by)
    name = job.result.storage.save(f"jobs/countries.{extension}", ContentFile(content))
    job_finish(job, result_name=name)


@transaction.atomic
def attendance_report_request(*, actor, session: CourseSession, fmt: str) -> Job:
    """Queue the attendance report of a session, as a PDF, XLSX or CSV file a worker makes.

    Raises PermissionDenied unless the session is the actor's (hub staff: any; a coordinator: theirs),
    ValueError for another format.
    """
    access.require_session(actor, access.Action.REPORT, session)
    return job_create(actor=actor, kind=ReportKind.ATTENDANCE_REPORT, session=session, format=check_format(fmt))


@transaction.atomic
def country_report_request(*, actor, fmt: str) -> Job:
    """Queue the report by country and WHO region across every session.

    Raises PermissionDenied unless the actor is hub staff, ValueError for a format other than xlsx,
    csv or pdf.
    """
    access.require(actor, access.Action.REPORT_ALL_SESSIONS)
    return job_create(actor=actor, kind=ReportKind.COUNTRY_REPORT, format=check_format(fmt))


@register(ReportKind.VISIT_MANIFEST, ReportKind.VISIT_MANIFEST.label)
def _visit_manifest(job: Job) -> None:
    visit = FacilityVisit.objects.get(pk=job.params["visit"])
    content, extension = visit_manifest(visit, job.params.get("format", "pdf"), actor=job.requested_by)
    name = job.result.storage.save(f"jobs/{job.session.code}-visit-{visit.pk}-manifest.{extension}",
                                   ContentFile(content))
    job_finish(job, result_name=name)


@transaction.atomic
def visit_manifest_request(*, actor, visit: FacilityVisit, fmt: str) -> Job:
    """Queue a visit's participant list and bus manifest, as a PDF or XLSX file a worker makes.

    Raises PermissionDenied unless the visit is the actor's (hub staff: any; a coordinator: their
    sessions'), ValueError for another format.
    """
    access.require(actor, access.Action.VIEW, visit)
    access.require_session(actor, access.Action.REPORT, visit.session_id)
    fmt = (fmt or "").lower()
    if fmt not in MANIFEST_FORMATS:
        raise ValueError(fmt)
    return job_create(actor=actor, kind=ReportKind.VISIT_MANIFEST, session=visit.session, visit=visit.pk,
                      format=fmt)
