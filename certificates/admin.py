from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cohorts.admin import CourseSessionAdmin, EnrolmentAdmin
from hubportal.access_admin import ScopedRelatedOnlyFilter
from hubportal.admin import AdminWrites, AuditedAdminMixin, ExtensibleAdmin
from hubportal.jobs.admin import JobAdmin, job_started
from hubportal.jobs.models import JobStatus
from hubportal.jobs.services import job_create

from . import services
from .models import Certificate, CertificateStatus, JobKind
from .selectors import enrolment_eligibility


# --- Certificates --------------------------------------------------------------------------


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


@admin.register(Certificate)
class CertificateAdmin(AuditedAdminMixin, ExtensibleAdmin):
    writes = AdminWrites()  # issued, revoked and rendered again by the actions' services only
    # The session's code stands for course and year: a course title in the list takes five lines a row.
    list_display = ["serial", "holder_name", "holder_native_name", "session", "status", "issued_at", "file"]
    # Only the sessions of the certificates listed: a coordinator's list names no other session.
    list_filter = ["status", "course", "year", ("enrolment__session", ScopedRelatedOnlyFilter)]
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


# --- Jobs: where the certificate jobs' results are shown -------------------------------------------


def certificates_link(job):
    """A finished certificate job's result: the session's certificates."""
    if job.kind == JobKind.CERTIFICATES and job.status == JobStatus.DONE and job.session_id:
        return format_html('<a href="{}">{}</a>', reverse("admin:certificates_certificate_changelist")
                           + f"?enrolment__session__id__exact={job.session_id}", _("certificates"))
    return None


JobAdmin.extend(result_links=[certificates_link])


# --- Sessions and enrolments: issuing, and who is eligible ---------------------------------------


def one_session(modeladmin, request, queryset):
    """The one session chosen for a session action, or None after asking the user to choose one."""
    if queryset.count() != 1:
        modeladmin.message_user(request, _("Choose one session."), messages.WARNING)
        return None
    return queryset.get()


def _issue(modeladmin, request, session, enrolments=None):
    try:
        job = services.certificates_issue(actor=request.user, session=session, enrolments=enrolments)
    except ValidationError as error:
        for message in error.messages[:20]:
            modeladmin.message_user(request, message, messages.WARNING)
        return None
    return job_started(modeladmin, request, job)


@admin.action(description=_("Issue certificates to everyone eligible"), permissions=["change"])
def issue_certificates(modeladmin, request, queryset):
    session = one_session(modeladmin, request, queryset)
    return None if session is None else _issue(modeladmin, request, session)


@admin.action(description=_("Download all certificates as one ZIP"), permissions=["view"])
def certificates_zip(modeladmin, request, queryset):
    session = one_session(modeladmin, request, queryset)
    if session is None:
        return None
    return job_started(modeladmin, request, job_create(actor=request.user, kind=JobKind.CERTIFICATE_ZIP,
                                                       session=session))


CourseSessionAdmin.extend(actions=[issue_certificates, certificates_zip])


# Not named "certificate": the admin would show the reverse relation of that name instead.
@admin.display(description=_("certificate"))
def certificate_state(enrolment):
    if hasattr(enrolment, "certificate"):
        issued = enrolment.certificate
        state = "" if issued.status == CertificateStatus.VALID else f" ({issued.get_status_display()})"
        return f"{issued.serial}{state}"
    verdict = enrolment_eligibility(enrolment, enrolment.session, timezone.localdate())
    return (_("eligible: %(reason)s") if verdict.eligible else _("not eligible: %(reason)s")) % {
        "reason": verdict.reason}


@admin.action(description=_("Issue certificates to the chosen trainees"), permissions=["change"])
def issue_enrolments_certificates(modeladmin, request, queryset):
    sessions = {e.session_id for e in queryset}
    if len(sessions) != 1:
        modeladmin.message_user(request, _("Choose enrolments of one session."), messages.WARNING)
        return None
    return _issue(modeladmin, request, queryset.first().session, enrolments=list(queryset))


issue_enrolments_certificates.__name__ = "issue_certificates"  # the action's name in the page's form

EnrolmentAdmin.extend(list_display=[certificate_state], extra_select_related=["certificate"],
                      actions=[issue_enrolments_certificates])
