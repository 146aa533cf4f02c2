"""The admin's door to the importers, built on django-import-export's import page and preview.

django-import-export handles the upload, the preview step and the confirmation; the rows
themselves go through the project's importers (the same ones the import_* commands run), which
validate the whole file and write all of it or nothing.
"""

import time
from types import SimpleNamespace

from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import forms as ie_forms
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import Format
from import_export.resources import Resource
from import_export.tmp_storages import MediaStorage

from hubportal import access
from hubportal.access import Action
from hubportal.exports import EXPORT_FORMATS
from hubportal.importing import ImportReport, Problem, import_with_rows
from hubportal.jobs.models import Job, JobStatus
from hubportal.jobs.registry import register
from hubportal.jobs.services import job_create, job_finish
from hubportal.tabular import Table, UnreadableFile, read_table

IMPORT_JOB = "import"
SESSION_MODEL = "cohorts.CourseSession"  # what an import may be "into"


class ExpiringUploadStorage(MediaStorage):
    """Keeps an uploaded file between the preview and the confirmation, and no longer.

    A preview that nobody confirms would otherwise leave a file of trainees' personal data behind;
    every new upload first deletes the uploads older than IMPORT_UPLOAD_MAX_AGE_SECONDS (and the
    purge_import_uploads command does the same on a schedule).
    """

    FOLDER = "import-uploads"

    def __init__(self, **kwargs):
        kwargs.setdefault("MEDIA_FOLDER", self.FOLDER)
        super().__init__(**kwargs)

    def save(self, data):
        self.purge_expired()
        super().save(data)

    def save_upload(self, upload):
        """Store an uploaded file as it comes, chunk by chunk, without holding it in memory."""
        from uuid import uuid4

        self.purge_expired()
        self.name = self.name or uuid4().hex
        self._storage.save(self.get_full_path(), upload)

    def purge_expired(self, max_age: int | None = None) -> int:
        """Delete the uploads older than max_age seconds (default: the setting); returns how many."""
        max_age = settings.IMPORT_UPLOAD_MAX_AGE_SECONDS if max_age is None else max_age
        storage, folder = self._storage, self.MEDIA_FOLDER
        try:
            _dirs, files = storage.listdir(folder)
        except FileNotFoundError:
            return 0
        deadline = time.time() - max_age
        removed = 0
        for name in files:
            path = f"{folder}/{name}"
            if storage.get_modified_time(path).timestamp() <= deadline:
                storage.delete(path)
                removed += 1
        return removed


def _upload_gone() -> str:
    """What to tell someone whose upload expired before it was confirmed or imported."""
    return _("The uploaded file is no longer there (it is kept for %(minutes)s minutes); upload it again.") % {
        "minutes": settings.IMPORT_UPLOAD_MAX_AGE_SECONDS // 60}


class SpreadsheetFormat(Format):
    """CSV in any of the encodings coordinators send, or XLSX: recognised from the content."""

    def __init__(self, encoding=None):
        # django-import-export passes its default encoding; the content decides here.
        self.encoding = None

    def get_title(self):
        return _("CSV or XLSX (any encoding or delimiter)")

    def is_binary(self):
        return True

    def get_read_mode(self):
        return "rb"

    def can_import(self):
        return True

    def can_export(self):
        return False

    def get_extension(self):
        return "csv"

    def create_dataset(self, in_stream):
        table = read_table(in_stream)
        # The preview needs every row; the admin's uploads are bounded by IMPORT_MAX_BYTES.
        rows = list(table.rows)
        if not rows:
            raise UnreadableFile(_("The file has no data rows, only its header: nothing to import."))
        return MaterialisedTable(table.headers, rows, table.format, table.encoding, table.delimiter, table.header_row)


class MaterialisedTable(Table):
    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)


class ImportFileForm(ie_forms.ImportForm):
    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than %(limit)s MB; split it into smaller files.") % {
                "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
        return upload


def _sessions():
    """The course session model, by name: the import framework imports no app."""
    return django_apps.get_model(SESSION_MODEL)


class SessionImportForm(ImportFileForm):
    session = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Session"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = _sessions().objects.order_by("-start_date")


class OptionalSessionImportForm(SessionImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].required = False
        self.fields["session"].help_text = _("Optional: nominate every trainee of the file for this session.")


class SessionConfirmForm(ie_forms.ConfirmImportForm):
    session = forms.IntegerField(widget=forms.HiddenInput(), required=False)


class ImporterResource(Resource):
    """Hands the whole table to an importer function instead of django-import-export's row loop.

    Subclasses set `importer(*, actor, table, dry_run, file_name, session)` and `columns`.
    """

    importer = None  # staticmethod(function)
    columns = ()
    display_name = ""

    @classmethod
    def get_display_name(cls):
        return str(cls.display_name) or cls.__name__

    def get_user_visible_fields(self):
        return [SimpleNamespace(column_name=str(c.label)) for c in self.columns]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):
        session = kwargs.get("session")
        if isinstance(session, int):
            session = _sessions().objects.get(pk=session)
        refusal = _session_refusal(kwargs.get("user"), session)
        if refusal:
            return ImportReport(dry_run=dry_run, problems=[Problem(1, "", refusal)])
        table = Table(dataset.headers, iter(dataset.rows), dataset.format, dataset.encoding, dataset.delimiter,
                      dataset.header_row)
        return import_with_rows(table, lambda table: self.importer(
            actor=kwargs.get("user"), table=table, dry_run=dry_run, file_name=kwargs.get("file_name") or "",
            session=session), dry_run=dry_run)


def _session_refusal(actor, session) -> str:
    """Why the actor may not import into this session (or without one), or "" when they may.

    A coordinator imports into their own sessions only: a file brought in without a session, or
    into another one, would reach people and records that are not theirs.
    """
    if access.is_hub_staff(actor):
        return ""
    if session is None:
        return _("Choose one of your sessions: a coordinator imports into their own sessions only.")
    if not access.may_act_on_session(actor, Action.IMPORT, session.pk):
        return _("You do not coordinate %(session)s; import into one of your own sessions.") % {
            "session": session.code}
    return ""


class HubImportExportMixin(ImportExportMixin):
    """Import through the project's importers; export with formula-safe CSV and XLSX."""

    import_formats = [SpreadsheetFormat]
    export_formats = EXPORT_FORMATS
    import_template_name = "admin/hubportal/import.html"
    import_form_class = ImportFileForm
    confirm_form_class = SessionConfirmForm
    import_error_display = ("message",)
    import_resource = None  # an ImporterResource subclass
    export_resource = None

    def get_import_resource_classes(self, request):
        return [self.import_resource]

    def get_export_resource_classes(self, request):
        return [self.export_resource]

    def get_export_resource_kwargs(self, request, **kwargs):
        return {**super().get_export_resource_kwargs(request, **kwargs), "actor": request.user}

    def get_tmp_storage_class(self):
        return ExpiringUploadStorage

    def create_import_form(self, request):
        form = super().create_import_form(request)
        if "session" in form.fields:
            form.fields["session"].queryset = access.visible(request.user, form.fields["session"].queryset)
        return form

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None and import_form.cleaned_data.get("session"):
            initial["session"] = import_form.cleaned_data["session"].pk
        return initial

    def get_import_data_kwargs(self, **kwargs):
        form = kwargs.pop("form", None)
        kwargs.pop("request", None)
        session = form.cleaned_data.get("session") if form is not None else None
        return {**kwargs, "session": session}

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, UnreadableFile):
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    def get_urls(self):
        return [path("import/jobs/<int:job_id>/", self.admin_site.admin_view(self.import_job_view),
                     name="%s_%s_import_job" % self.get_model_info()), *super().get_urls()]

    def write_to_tmp_storage(self, import_file, input_format):
        # django-import-export joins the chunks into one bytes object; a 20 MB file is copied
        # hundreds of times over. Stored as it comes instead.
        storage = ExpiringUploadStorage(read_mode="rb")
        storage.save_upload(import_file)
        return storage

    def import_action(self, request, **kwargs):
        upload = request.FILES.get("import_file") if request.method == "POST" else None
        if upload is not None and upload.size > settings.IMPORT_BACKGROUND_BYTES:
            response = self._import_in_background(request)
            if response is not None:
                return response
        try:
            response = super().import_action(request, **kwargs)
        except UnreadableFile as error:  # raised while the importer reads rows (the row limit)
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)
        context = getattr(response, "context_data", None) or {}
        form, result = context.get("form"), context.get("result")
        # The uploaded file object, which django-import-export tags with the name it was stored under.
        stored = getattr(request.FILES.get("import_file"), "tmp_storage_name", None)
        if stored and (form.errors or result is None or result.has_errors()):
            # Nothing will be confirmed: the personal data in the upload goes now, not at expiry.
            ExpiringUploadStorage(name=stored).remove()
        return response

    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        try:
            return super().process_import(request, **kwargs)
        except (UnreadableFile, FileNotFoundError):
            messages.error(request, _upload_gone())
            return HttpResponseRedirect(reverse("admin:%s_%s_import" % self.get_model_info()))

    def process_result(self, result, request):
        if not result.ok:
            # The data changed between the preview and the confirmation.
            for problem in result.problems:
                messages.error(request, str(problem))
            messages.error(request, _("Nothing was written."))
            return HttpResponseRedirect(reverse("admin:%s_%s_import" % self.get_model_info()))
        for note in result.notes:
            messages.info(request, note)
        messages.success(request, _("Import finished: %(summary)s.") % {"summary": result.summary()})
        return HttpResponseRedirect(reverse("admin:%s_%s_changelist" % self.get_model_info()))

    # --- Large files: checked and imported by a worker ----------------------------------------

    def _import_in_background(self, request):
        """Store a large upload and queue its check; None when the form is invalid (the normal
        page then shows why). The web process never holds the file's rows: a 150,000-row file
        checked in the request would outlive the server's timeout and its memory."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = self.create_import_form(request)
        if not form.is_valid():
            return None
        upload = form.cleaned_data["import_file"]
        stored = self.write_to_tmp_storage(upload, None)
        session = form.cleaned_data.get("session")
        resource = self.import_resource
        job = job_create(actor=request.user, kind=IMPORT_JOB, session=session, stage="check",
                         resource=f"{resource.__module__}.{resource.__qualname__}", upload=stored.name,
                         file_name=upload.name, admin=".".join(self.get_model_info()))
        return HttpResponseRedirect(self._import_job_url(job))

    def _import_job_url(self, job: Job) -> str:
        return reverse("admin:%s_%s_import_job" % self.get_model_info(), args=[job.pk])

    def import_job_view(self, request, job_id: int):
        """A background import: its progress, then what the check found (confirm it here), then
        what was written. Whoever the access policy shows the job to (hub staff; the coordinator of
        the session it imports into) sees it; anyone else gets a 404."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        job = get_object_or_404(access.visible(request.user, Job.objects.all()), pk=job_id, kind=IMPORT_JOB,
                                params__admin=".".join(self.get_model_info()))
        outcome = job.outcome or {}
        can_confirm = (job.params.get("stage") == "check" and job.status == JobStatus.DONE and outcome.get("ok")
                       and not outcome.get("confirmed"))
        if request.method == "POST":
            if not can_confirm:
                messages.error(request, _("This file cannot be imported from here (it was imported already, or "
                                          "it has problems); upload it again."))
                return HttpResponseRedirect(self._import_job_url(job))
            confirmed = import_job_confirm(actor=request.user, job=job)
            return HttpResponseRedirect(self._import_job_url(confirmed))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import of %(file)s") % {"file": job.params.get("file_name", "")},
            "job": job,
            "outcome": outcome,
            "stage": job.params.get("stage"),
            "can_confirm": can_confirm,
            "finished": job.status in (JobStatus.DONE, JobStatus.FAILED),
            "changelist_url": reverse("admin:%s_%s_changelist" % self.get_model_info()),
            "import_url": reverse("admin:%s_%s_import" % self.get_model_info()),
        }
        return TemplateResponse(request, "admin/hubportal/import_job.html", context)


# Problems listed on the page of a background import; the count says how many there are in all.
SHOWN_PROBLEMS = 200


def import_job_confirm(*, actor, job: Job) -> Job:
    """Queue the import of a file whose background check found no problem: a new job, which the
    check hands its upload to. Checked again by the worker, so a file whose data changed since the
    check is still written whole or not at all."""
    Job.objects.filter(pk=job.pk).update(outcome={**job.outcome, "confirmed": True})
    params = {**job.params, "stage": "import", "checked_by_job": job.pk}
    return job_create(actor=actor, kind=IMPORT_JOB, session=job.session, **params)


def _outcome(report: ImportReport) -> dict:
    return {
        "ok": report.ok,
        "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
        "errors": report.errors, "rows": len(report.outcomes),
        "problems": [str(problem) for problem in report.problems[:SHOWN_PROBLEMS]],
        "notes": [str(note) for note in report.notes],
        "summary": report.summary(),
    }


@register(IMPORT_JOB, gettext_lazy("Import of a file"))
def _import_file(job: Job) -> None:
    """Check (dry run) or import an uploaded file with its importer, all rows or none.

    The upload is deleted once imported, and as soon as the check finds a problem; a checked file
    nobody confirms goes at the uploads' expiry.
    """
    params = job.params
    resource_class = import_string(params["resource"])
    if not (isinstance(resource_class, type) and issubclass(resource_class, ImporterResource)):
        raise TypeError(f"{params['resource']} is not an importer")
    storage = ExpiringUploadStorage(name=params["upload"], read_mode="rb")
    dry_run = params["stage"] == "check"
    keep_upload = False
    try:
        table = read_table(storage.read(), filename=params.get("file_name", ""))
        report = resource_class().import_data(table, dry_run=dry_run, file_name=params.get("file_name", ""),
                                              user=job.requested_by, session=job.session_id)
        keep_upload = dry_run and report.ok
        job_finish(job, outcome={**_outcome(report), "stage": params["stage"]})
    except FileNotFoundError:
        raise UnreadableFile(_upload_gone()) from None
    finally:
        if not keep_upload:
            try:
                storage.remove()
            except FileNotFoundError:
                pass
