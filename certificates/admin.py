from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cohorts.admin import CourseSessionAdmin, EnrolmentAdmin
from cohorts.models import CourseSession, Enrolment

from hubportal.jobs.admin import JobAdmin, job_started
from hubportal.jobs.models import Job, JobStatus
from hubportal.jobs.services import job_create

from . import services
from .models import Certificate, CertificateStatus, JobKind
from .reports import FORMATS as REPORT_FORMATS
from .selectors import enrolment_eligibility


# --- Certificates --------------------------------------------------------------------------


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    # The session's code stands for course and year: a course title in the list takes five lines a row.
    list_display = ["serial", "holder_name", "holder_native_name", "session", "status", "issued_at", "file"]
    list_filter = ["status", "course", "year", "enrolment__session"]
    list_select_related = ["enrolment__session"]
    search_fields = ["serial", "holder_name", "holder_native_name", "enrolment__trainee__email"]
    date_hierarchy = "issued_at"
    actions = ["revoke", "rerender"]
    readonly_fields = ["serial", "verification_link", "status", "holder_name", "holder_native_name", "course_title",
                       "start_date", "end_date", "learning_hours", "issued_at", "issued_by", "revoked_at",
                       "revoked_reason", "rendered_at", "file"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # certificates are issued from a session or its enrolments

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: a certificate once handed out stays on record

    @admin.display(description=_("session"), ordering="enrolment__session__code")
    def session(self, obj):
        return obj.enrolment.session.code

    @admin.display(description=_("PDF"))
    def file(self, obj):
        if not obj.pdf:
            return _("being rendered") if obj.rendered_at is None else "–"
        return format_html('<a href="{}">{}</a>', reverse("certificate_download", args=[obj.verification_code]),
                           _("download"))

    @admin.display(description=_("verification page"))
    def verification_link(self, obj):
        url = reverse("certificate_verify", args=[obj.verification_code])
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, url)

    @admin.action(description=_("Revoke (asks for a reason)"), permissions=["change"])
    def revoke(self, request, queryset):
        form = RevokeForm(request.POST if "reason" in request.POST else None)
        if form.is_valid():
            revoked = 0
            for certificate in queryset:
                try:
                    services.certificate_revoke(actor=request.user, certificate=certificate,
                                                reason=form.cleaned_data["reason"])
                    revoked += 1
                except ValidationError as error:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
            if revoked:
                self.message_user(request, ngettext("%(count)d certificate revoked.", "%(count)d certificates revoked.",
                                                    revoked) % {"count": revoked}, messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/certificates/revoke.html", {
            **self.admin_site.each_context(request), "title": _("Revoke certificates"), "form": form,
            "certificates": queryset, "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })

    @admin.action(description=_("Render the PDF again (same serial and code)"), permissions=["change"])
    def rerender(self, request, queryset):
        return job_started(self, request, services.certificates_rerender(actor=request.user, certificates=queryset))


# --- Jobs: the certificate jobs' results, and the report by country --------------------------------


admin.site.unregister(Job)


@admin.register(Job)
class JobWithReportsAdmin(JobAdmin):
    change_list_template = "admin/jobs/job/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [path("country-report/", self.admin_site.admin_view(self.country_report_view),
                     name="jobs_job_country_report"), *super().get_urls()]

    def country_report_view(self, request):
        """Queue the report by country across all sessions, in the format asked for."""
        fmt = request.POST.get("format")
        if request.method != "POST" or fmt not in REPORT_FORMATS or not self.has_view_permission(request):
            raise PermissionDenied
        return job_started(self, request, job_create(actor=request.user, kind=JobKind.COUNTRY_REPORT, format=fmt))

    def result_link(self, obj):
        if obj.kind == JobKind.CERTIFICATES and obj.status == JobStatus.DONE and obj.session_id:
            return format_html('<a href="{}">{}</a>', reverse("admin:certificates_certificate_changelist")
                               + f"?enrolment__session__id__exact={obj.session_id}", _("certificates"))
        return None


# --- Sessions and enrolments: issuing, and who is eligible ---------------------------------------


admin.site.unregister(CourseSession)


@admin.register(CourseSession)
class CourseSessionWithCertificatesAdmin(CourseSessionAdmin):
    actions = [*CourseSessionAdmin.actions, "issue_certificates", "certificates_zip", "attendance_report_pdf",
               "attendance_report_xlsx", "attendance_report_csv"]

    def _one_session(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose one session."), messages.WARNING)
            return None
        return queryset.get()

    @admin.action(description=_("Issue certificates to everyone eligible"), permissions=["change"])
    def issue_certificates(self, request, queryset):
        session = self._one_session(request, queryset)
        if session is None:
            return None
        try:
            job = services.certificates_issue(actor=request.user, session=session)
        except ValidationError as error:
            for message in error.messages[:20]:
                self.message_user(request, message, messages.WARNING)
            return None
        return job_started(self, request, job)

    @admin.action(description=_("Download all certificates as one ZIP"), permissions=["view"])
    def certificates_zip(self, request, queryset):
        session = self._one_session(request, queryset)
        if session is None:
            return None
        return job_started(self, request, job_create(actor=request.user, kind=JobKind.CERTIFICATE_ZIP,
                                                           session=session))

    def _report(self, request, queryset, fmt):
        session = self._one_session(request, queryset)
        if session is None:
            return None
        return job_started(self, request, job_create(actor=request.user, kind=JobKind.ATTENDANCE_REPORT,
                                                           session=session, format=fmt))

    @admin.action(description=_("Attendance report (PDF)"), permissions=["view"])
    def attendance_report_pdf(self, request, queryset):
        return self._report(request, queryset, "pdf")

    @admin.action(description=_("Attendance report (XLSX)"), permissions=["view"])
    def attendance_report_xlsx(self, request, queryset):
        return self._report(request, queryset, "xlsx")

    @admin.action(description=_("Attendance report (CSV)"), permissions=["view"])
    def attendance_report_csv(self, request, queryset):
        return self._report(request, queryset, "csv")


admin.site.unregister(Enrolment)


@admin.register(Enrolment)
class EnrolmentWithCertificateAdmin(EnrolmentAdmin):
    list_display = [*EnrolmentAdmin.list_display, "certificate_state"]
    actions = [*EnrolmentAdmin.actions, "issue_certificates"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("certificate")

    # Not named "certificate": the admin would show the reverse relation of that name instead.
    @admin.display(description=_("certificate"))
    def certificate_state(self, obj):
        if hasattr(obj, "certificate"):
            issued = obj.certificate
            state = "" if issued.status == CertificateStatus.VALID else f" ({issued.get_status_display()})"
            return f"{issued.serial}{state}"
        verdict = enrolment_eligibility(obj, obj.session, timezone.localdate())
        return (_("eligible: %(reason)s") if verdict.eligible else _("not eligible: %(reason)s")) % {
            "reason": verdict.reason}

    @admin.action(description=_("Issue certificates to the chosen trainees"), permissions=["change"])
    def issue_certificates(self, request, queryset):
        sessions = {e.session_id for e in queryset}
        if len(sessions) != 1:
            self.message_user(request, _("Choose enrolments of one session."), messages.WARNING)
            return None
        try:
            job = services.certificates_issue(actor=request.user, session=queryset.first().session,
                                              enrolments=list(queryset))
        except ValidationError as error:
            for message in error.messages[:20]:
                self.message_user(request, message, messages.WARNING)
            return None
        return job_started(self, request, job)
