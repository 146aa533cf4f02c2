from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hubportal import access
from hubportal.access import Action
from hubportal.admin import AdminWrites, AuditedAdminMixin, ExtensibleAdmin

from . import registry, services
from .models import Job, JobStatus


def job_url(job: Job) -> str:
    """Where staff follow a job: the list of jobs, showing that one."""
    return reverse("admin:jobs_job_changelist") + f"?id__exact={job.pk}"


def job_started(modeladmin, request, job: Job):
    """An admin action's answer once it queued a job: say so, and show the job's progress."""
    modeladmin.message_user(request, format_html(
        _("{job} is queued: <a href=\"{url}\">follow its progress</a>."), job=job, url=job_url(job)),
        messages.SUCCESS)
    return HttpResponseRedirect(job_url(job))


class KindFilter(admin.SimpleListFilter):
    title = _("what")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(k.key, k.label) for k in registry.kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Job)
class JobAdmin(AuditedAdminMixin, ExtensibleAdmin):
    extensible_lists = ExtensibleAdmin.extensible_lists | {"result_links"}
    # Apps that run jobs say where what a finished job made is shown: result_link(job) -> link or None.
    result_links = ()
    list_display = ["id", "what", "session", "requested_by", "progress", "created_at", "download"]
    list_filter = [KindFilter, "status"]
    list_select_related = ["session", "requested_by"]
    readonly_fields = ["what", "session", "params", "requested_by", "status", "progress", "total", "done", "error",
                       "created_at", "started_at", "heartbeat_at", "finished_at", "download"]
    fields = readonly_fields
    actions = ["resume"]
    writes = AdminWrites("job", delete=services.job_delete)

    class Media:
        js = ["jobs/job-progress.js"]
        css = {"all": ["jobs/job-progress.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A job at work is not deleted from under its worker (a stalled one may be).
        return not (obj is not None and obj.is_at_work) and super().has_delete_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"may_report_all_sessions": access.can(request.user, Action.REPORT_ALL_SESSIONS),
                         **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("what"), ordering="kind")
    def what(self, obj):
        return obj.kind_label

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return format_html(
            '<div class="job-progress" data-status-url="{url}" data-status="{status}">'
            '<progress max="{total}" value="{done}">{percent}%</progress> '
            '<span class="job-progress-text">{label} · {done} / {total}</span>'
            '<span class="job-progress-error">{error}</span></div>',
            url=reverse("job_status", args=[obj.pk]), status="stalled" if obj.is_stalled else obj.status,
            total=obj.total or 1, done=obj.done, percent=obj.percent, label=obj.state_label, error=obj.error,
        )

    @admin.display(description=_("file"))
    def download(self, obj):
        link = self.result_link(obj)
        if link is not None:
            return link
        url = reverse("job_result", args=[obj.pk])
        if obj.result:
            return format_html('<a class="job-result" href="{}">{}</a>', url, _("download"))
        return format_html('<a class="job-result" hidden href="{}">{}</a>', url, _("download"))

    def result_link(self, obj):
        """A link to what a finished job made, where that is not a file; None for a file's link."""
        return next((link for link in (result_link(obj) for result_link in self.result_links) if link), None)

    @admin.action(description=_("Resume stalled jobs (their worker stopped)"), permissions=["view"])
    def resume(self, request, queryset):
        resumed = 0
        for job in queryset.filter(status=JobStatus.RUNNING):
            try:
                services.job_resume(actor=request.user, job=job)
                resumed += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
        if resumed:
            self.message_user(request, ngettext("%(count)d job queued again.", "%(count)d jobs queued again.",
                                                resumed) % {"count": resumed}, messages.SUCCESS)
        elif not queryset.filter(status=JobStatus.RUNNING).exists():
            self.message_user(request, _("None of the chosen jobs is stalled."), messages.WARNING)
