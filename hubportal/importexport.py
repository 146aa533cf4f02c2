"""The admin's door to the importers, built on django-import-export's import page and preview.

django-import-export handles the upload, the preview step and the confirmation; the rows
themselves go through the project's importers (the same ones the import_* commands run), which
validate the whole file and write all of it or nothing.
"""

import time
from types import SimpleNamespace

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import forms as ie_forms
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import Format
from import_export.resources import Resource
from import_export.tmp_storages import MediaStorage

from hubportal.exports import EXPORT_FORMATS
from hubportal.tabular import Table, UnreadableFile, read_table


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
        return MaterialisedTable(table.headers, list(table.rows), table.format, table.encoding, table.delimiter,
                                 table.header_row)


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


class SessionImportForm(ImportFileForm):
    session = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Session"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from cohorts.models import CourseSession

        self.fields["session"].queryset = CourseSession.objects.order_by("-start_date")


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
        from cohorts.models import CourseSession

        session = kwargs.get("session")
        if isinstance(session, int):
            session = CourseSession.objects.get(pk=session)
        table = Table(dataset.headers, iter(dataset.rows), dataset.format, dataset.encoding, dataset.delimiter,
                      dataset.header_row)
        return self.importer(actor=kwargs.get("user"), table=table, dry_run=dry_run,
                                   file_name=kwargs.get("file_name") or "", session=session)


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

    def get_tmp_storage_class(self):
        return ExpiringUploadStorage

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

    def import_action(self, request, **kwargs):
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
            messages.error(request, _("The uploaded file is no longer there (it is kept for %(minutes)s minutes); "
                                      "upload it again.") % {"minutes": settings.IMPORT_UPLOAD_MAX_AGE_SECONDS // 60})
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
