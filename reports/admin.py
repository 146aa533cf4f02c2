"""The reports in the admin: a session's attendance report as actions on the course sessions, and
the report by country across all sessions as a page of the jobs list. Both queue a background job."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from certificates.admin import one_session
from cohorts.admin import CourseSessionAdmin, FacilityVisitAdmin
from hubportal.admin import AdminView
from hubportal.jobs.admin import JobAdmin, job_started

from .builders import FORMATS
from .services import attendance_report_request, country_report_request, visit_manifest_request


def _report_action(fmt: str, description):
    def action(modeladmin, request, queryset):
        session = one_session(modeladmin, request, queryset)
        if session is None:
            return None
        return job_started(modeladmin, request, attendance_report_request(actor=request.user, session=session,
                                                                          fmt=fmt))

    action.__name__ = f"attendance_report_{fmt}"
    return admin.action(description=description, permissions=["view"])(action)


# Listed after certificates' actions, as reports come after certificates in INSTALLED_APPS.
CourseSessionAdmin.extend(actions=[
    _report_action("pdf", _("Attendance report (PDF)")),
    _report_action("xlsx", _("Attendance report (XLSX)")),
    _report_action("csv", _("Attendance report (CSV)")),
])


def country_report_view(job_admin, request):
    """Queue the report by country across all sessions, in the format asked for."""
    fmt = request.POST.get("format")
    if request.method != "POST" or fmt not in FORMATS:
        raise PermissionDenied
    return job_started(job_admin, request, country_report_request(actor=request.user, fmt=fmt))


# The jobs page's "Report by country" form (templates/admin/jobs/job/change_list.html) posts here.
JobAdmin.extend(extra_views=[AdminView("country-report/", country_report_view, "country_report")])


def _manifest_action(fmt: str, description):
    def action(modeladmin, request, queryset):
        if queryset.count() != 1:
            modeladmin.message_user(request, _("Choose one visit."), messages.WARNING)
            return None
        return job_started(modeladmin, request, visit_manifest_request(actor=request.user, visit=queryset.get(),
                                                                        fmt=fmt))

    action.__name__ = f"visit_manifest_{fmt}"
    return admin.action(description=description, permissions=["view"])(action)


FacilityVisitAdmin.extend(actions=[
    _manifest_action("pdf", _("Participants and bus manifest (PDF)")),
    _manifest_action("xlsx", _("Participants and bus manifest (XLSX)")),
])
