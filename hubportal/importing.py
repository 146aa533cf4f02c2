"""What every bulk import shares: the report it gives the coordinator, column matching, bulk writes.

Each importer (trainees, enrolments, attendance) reads a whole file, validates every row, and
writes all of it or none of it. The same importer serves the admin's import page and the
management commands.
"""

import itertools
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from hubportal.tabular import Table, UnreadableFile, normalise_header, read_table


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, where the coordinator will find it."""

    row: int  # as a spreadsheet shows it: the header is row 1
    column: str  # the column's header as written in the file, or "" for the whole row / file
    message: str

    def __str__(self):
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row, "column": self.column, "message": self.message}
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class Action:
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass
class RowOutcome:
    """What the import does (or would do) with one row."""

    row: int
    action: str
    key: str  # what identifies the row's record, e.g. the trainee's email
    # The row as the preview shows it, {column: value}: called only for the rows a preview shows,
    # since rendering every row of a large file would cost more than importing it.
    describe: Callable[[], dict[str, str]]
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    """The result of an import or of its dry run. With any problem, nothing was written."""

    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the preview's columns, in order

    def count(self, action: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.action == action)

    @property
    def created(self) -> int:
        return self.count(Action.CREATE)

    @property
    def updated(self) -> int:
        return self.count(Action.UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(Action.UNCHANGED)

    @property
    def errors(self) -> int:
        return len(self.problems)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        return _("created %(created)s, updated %(updated)s, unchanged %(unchanged)s, errors %(errors)s") % {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "errors": self.errors,
        }

    PREVIEW_ROWS = 500

    @property
    def preview_rows(self) -> list[dict]:
        """The first PREVIEW_ROWS outcomes as rows of cells in `columns` order; a changed cell has its old value."""
        rows = []
        for outcome in self.outcomes[: self.PREVIEW_ROWS]:
            changed = {_column_of(name, self.columns): old for name, (old, _new) in outcome.changes.items()}
            values = outcome.describe()
            rows.append({
                "row": outcome.row,
                "action": outcome.action,
                "cells": [(values.get(column, ""), changed.get(column)) for column in self.columns],
            })
        return rows

    # django-import-export's admin asks these of an import result.
    def has_errors(self) -> bool:
        return bool(self.problems)

    def has_validation_errors(self) -> bool:
        return False


def _column_of(field_name: str, columns: list[str]) -> str:
    """The preview column a changed field shows in ("given_name" -> "Given name")."""
    wanted = normalise_header(field_name)
    return next((c for c in columns if normalise_header(c) == wanted), field_name)


@dataclass(frozen=True)
class Column:
    """A column an importer reads, and the header spellings that name it."""

    field: str
    label: str  # may be lazy: str() it
    spellings: tuple[str, ...]
    required: bool = False

    def matches(self, header: str) -> bool:
        """The header names this column: its field, its label in any of the portal's languages (a
        file exported from the admin in Korean comes back with Korean headers, whoever imports it),
        or a usual spelling."""
        key = normalise_header(header)
        return any(key == normalise_header(str(name)) for name in (self.field, *self._labels(), *self.spellings))

    def _labels(self) -> list[str]:
        """The label, and the spellings given as lazy translations ("Country code", the trainee
        export's column), in each of the portal's languages."""
        labels = []
        lazy = [spelling for spelling in self.spellings if isinstance(spelling, Promise)]
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                labels += [str(self.label), *(str(spelling) for spelling in lazy)]
        return labels


class ChoiceSpellings:
    """What a cell may say for each of some choices (an enrolment status, a category): the value, the
    label in any of the portal's languages (what an export from the admin in French wrote, what the
    error message suggests), and usual spellings, all compared as normalise_header compares headers.

    Built on first use, not at import, when no catalogue is loaded yet."""

    def __init__(self, choices, extra: dict | None = None):
        self.choices = choices
        self.extra = dict(extra or {})
        self._found: dict | None = None

    def get(self, cell: str):
        """The choice a cell names, or None."""
        if self._found is None:
            found = dict(self.extra)
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    for choice in self.choices:
                        found.setdefault(normalise_header(str(choice.label)), choice)
            for choice in self.choices:
                found[normalise_header(choice.value)] = choice
            self._found = found
        return self._found.get(normalise_header(cell))


def match_columns(headers: Sequence[str], columns: Iterable[Column], header_row: int = 1) -> tuple[
        dict[str, int], list[Problem]]:
    """Find each column's position among the headers; report required ones missing, once, on the header row.

    A column named twice (say "Email" and "E-mail") is a problem too: which one would count?
    """
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    columns = list(columns)
    for index, header in enumerate(headers):
        if not header:
            continue
        for column in columns:
            if column.matches(header):
                if column.field in positions:
                    problems.append(Problem(header_row, header, _("names the same column as “%(other)s”.") % {
                        "other": headers[positions[column.field]]}))
                else:
                    positions[column.field] = index
                break
    for column in columns:
        if column.required and column.field not in positions:
            problems.append(Problem(header_row, "", _("the required column “%(column)s” is missing (found: %(found)s).") % {
                "column": column.label, "found": ", ".join(h for h in headers if h) or _("no headers")}))
    return positions, problems


def import_with_rows(table: Table, run: Callable[[Table], ImportReport], *, dry_run: bool = False) -> ImportReport:
    """run(table), unless the file has a header and nothing under it: that is a mistake (the wrong
    sheet, a template saved empty), not an import of nothing, so the report says so and the
    importer is not called at all (it would record an import of nothing in the audit trail)."""
    rows = iter(table.rows)
    first = next(rows, None)
    if first is None:
        return ImportReport(dry_run=dry_run, problems=[Problem(table.header_row, "", _(
            "no data rows: the file has a header row and nothing under it."))])
    return run(replace(table, rows=itertools.chain([first], rows)))


def chunks(items: Sequence, size: int | None = None):
    """The items in pieces the database accepts in one query: all at once where it has no limit."""
    size = size or connection.features.max_query_params or len(items) or 1
    for start in range(0, len(items), size):
        yield items[start : start + size]


def bulk_update_rows(model, objects: Sequence, fields: Sequence[str]) -> None:
    """Update many rows at once, in one statement on PostgreSQL.

    Django's bulk_update writes a CASE per field whose cost grows with the square of the rows;
    PostgreSQL's UPDATE ... FROM (VALUES ...) joins instead.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, fields, batch_size=500)
        return
    meta = model._meta
    model_fields = [meta.get_field(name) for name in fields]
    columns = [f.column for f in model_fields]
    types = [f.db_type(connection) for f in model_fields]
    pk = meta.pk
    quote = connection.ops.quote_name
    row_template = "(" + ", ".join([f"%s::{pk.db_type(connection)}", *(f"%s::{t}" for t in types)]) + ")"
    values_sql = ", ".join([row_template] * len(objects))
    params = []
    for obj in objects:
        params.append(obj.pk)
        params.extend(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in model_fields)
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "
        f"FROM (VALUES {values_sql}) AS v({quote('pk')}, {', '.join(quote(c) for c in columns)}) "
        f"WHERE {quote(meta.db_table)}.{quote(pk.column)} = v.{quote('pk')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


class ImportCommand:
    """The shared body of the import_* management commands.

    Exit status: 0 when the file was imported (or would be, with --dry-run), 1 when it has invalid
    rows (nothing written), 2 when it cannot be read at all. The last line is always the summary.
    """

    help_file = "a CSV (UTF-8, CP949/EUC-KR, Windows-1252 or Latin-1; comma, semicolon or tab) or XLSX file"

    def add_arguments(self, parser):
        parser.add_argument("file", help=self.help_file)
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, writing nothing")

    def run_import(self, path: str, run) -> None:
        """Read the file at `path`, call run(table, file_name) -> ImportReport, print, and exit
        with the status above (a normal return for 0)."""
        status, lines = self._run(path, run)
        for line in lines:
            self.stdout.write(line)
        if status:
            sys.exit(status)

    def _run(self, path: str, run) -> tuple[int, list[str]]:
        unreadable = _("created 0, updated 0, unchanged 0, errors 1")
        file_path = Path(path)
        try:
            report = import_with_rows(read_table(file_path.read_bytes(), filename=file_path.name),
                                      lambda table: run(table, file_path.name))
        except OSError as error:
            return 2, [_("Cannot open %(path)s: %(reason)s") % {"path": path, "reason": error.strerror or error},
                       unreadable]
        except UnreadableFile as error:
            return 2, [_("%(file)s: %(reason)s") % {"file": file_path.name, "reason": error}, unreadable]
        if report.ok:
            lines = [*report.notes, _("Dry run: nothing was written.")] if report.dry_run else list(report.notes)
        else:
            lines = [*(str(problem) for problem in report.problems), _("Nothing was written.")]
        return (0 if report.ok else 1), [*lines, report.summary()]
