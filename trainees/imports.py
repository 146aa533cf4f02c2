"""Coordinators' import of trainees (and their organisations) from a nomination list."""

from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hubportal.importing import ChoiceSpellings, Column, ImportReport, Problem, RowOutcome, match_columns
from hubportal.tabular import Table

from .countries import CountryResolver
from .models import Organisation, Trainee, TraineeCategory
from .services import TraineeImportRow, normalise_email, trainees_upsert_many

TRAINEE_COLUMNS = (
    Column("email", gettext_lazy("Email"), ("E-mail", "Email address", "E-mail address", "Mail", "이메일", "전자우편", "메일"),
           required=True),
    Column("given_name", gettext_lazy("Given name"), ("First name", "Given names", "Forename", "First", "이름"), required=True),
    Column("family_name", gettext_lazy("Family name"), ("Surname", "Last name", "Family", "Last", "성"), required=True),
    # "Country code" as a lazy translation too: the trainee export's column, in whatever language it was made.
    Column("country", gettext_lazy("Country"), (gettext_lazy("Country code"), "Nationality", "Country of origin",
                                                "국가", "국적", "나라"), required=True),
    Column("organisation", gettext_lazy("Organisation"), ("Organization", "Institution", "Company", "Employer", "Affiliation",
                                                "소속기관", "소속", "기관", "회사")),
    Column("job_title", gettext_lazy("Job title"), ("Position", "Title", "Role", "Designation", "직위", "직책", "직급")),
    Column("category", gettext_lazy("Category"), ("Trainee category", "Type", "구분")),
    Column("native_name", gettext_lazy("Native name"), ("Name in native script", "Native-script name", "Local name",
                                              "Name (native)", "한글 이름", "한글이름", "한글 성명", "성명")),
    Column("phone", gettext_lazy("Phone"), ("Telephone", "Mobile", "Phone number", "Tel", "전화번호", "연락처", "휴대폰")),
)
# The longest cell each column may hold: what the model's field allows.
MAX_LENGTHS = {
    name: (Organisation._meta.get_field("name") if name == "organisation" else Trainee._meta.get_field(name)).max_length
    for name in ("given_name", "family_name", "native_name", "organisation", "job_title", "phone", "email")
}
# What coordinators write in the category column, beside the choices' own values and labels.
CATEGORY_SPELLINGS = ChoiceSpellings(TraineeCategory, {
    "production": TraineeCategory.LMIC_PRODUCTION,
    "productionstaff": TraineeCategory.LMIC_PRODUCTION,
    "manufacturing": TraineeCategory.LMIC_PRODUCTION,
    "government": TraineeCategory.LMIC_GOVERNMENT,
    "public": TraineeCategory.LMIC_GOVERNMENT,
    "regulator": TraineeCategory.LMIC_GOVERNMENT,
    "koreanindustry": TraineeCategory.KOREA_INDUSTRY,
    "korea": TraineeCategory.KOREA_INDUSTRY,
    "domestic": TraineeCategory.KOREA_INDUSTRY,
    "국내": TraineeCategory.KOREA_INDUSTRY,
    "국내기업": TraineeCategory.KOREA_INDUSTRY,
})


def _clean_rows(table: Table, positions: dict[str, int], headers: list[str], report: ImportReport):
    resolver = CountryResolver()
    seen: dict[str, int] = {}
    rows: list[TraineeImportRow] = []
    for number, cells in table.rows:
        cell = {name: cells[index].strip() for name, index in positions.items()}
        problems_before = len(report.problems)

        def problem(field_name, message, number=number):
            report.problems.append(Problem(number, headers[positions[field_name]], message))

        for name in ("email", "given_name", "family_name", "country"):
            if not cell[name]:
                problem(name, _("is empty."))
        email = normalise_email(cell["email"])
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problem("email", _("“%(value)s” is not a valid email address.") % {"value": cell["email"]})
            else:
                if email in seen:
                    problem("email", _("%(email)s is also on row %(other)s; each trainee once per file.") % {
                        "email": email, "other": seen[email]})
                else:
                    seen[email] = number
        for name, limit in MAX_LENGTHS.items():
            if name in cell and len(cell[name]) > limit:
                problem(name, _("is longer than %(limit)s characters.") % {"limit": limit})
        values = {name: cell[name] for name in ("given_name", "family_name", "native_name", "job_title", "phone")
                  if cell.get(name)}
        if cell["country"]:
            country, reason = resolver.resolve(cell["country"])
            if country is None:
                problem("country", reason)
            else:
                values["country"] = country
        if cell.get("category"):
            category = CATEGORY_SPELLINGS.get(cell["category"])
            if category is None:
                problem("category", _("“%(value)s” is not a category (use %(choices)s).") % {
                    "value": cell["category"], "choices": ", ".join(str(c.label) for c in TraineeCategory)})
            else:
                values["category"] = category
        if cell.get("organisation"):
            values["organisation_name"] = cell["organisation"]
        if len(report.problems) == problems_before:
            rows.append(TraineeImportRow(number, email, values))
    return rows


def _countries_new_to_the_hub(countries: set) -> list:
    """The countries, among these, that no trainee comes from yet; by name in the active language."""
    present = set(Trainee.objects.filter(country__in=countries).values_list("country", flat=True).distinct())
    return sorted((c for c in countries if c.pk not in present), key=lambda c: str(c))


def trainees_import(*, actor, table: Table, dry_run: bool, file_name: str = "", session=None) -> ImportReport:
    """Create or update the trainees of a file, and their organisations; all of the file or nothing.

    The email (ignoring case and surrounding spaces) identifies a trainee: a known one is updated
    where a cell differs, and a blank cell leaves the field as it is. Every problem is reported with
    its row and column; with any problem, or with `dry_run`, nothing is written. `session` is the
    course session the file's trainees are brought into: a coordinator imports into theirs only
    (PermissionDenied otherwise; trainees_upsert_many checks), and the caller (cohorts) enrols the
    file's trainees in it after this. Without one, only hub staff and the system may import.
    """
    report = ImportReport(dry_run=dry_run, columns=[str(c.label) for c in TRAINEE_COLUMNS])
    headers = list(table.headers)
    positions, report.problems = match_columns(headers, TRAINEE_COLUMNS, table.header_row)
    if report.problems:
        return report
    rows = _clean_rows(table, positions, headers, report)
    if report.problems:
        return report

    new_countries = _countries_new_to_the_hub({row.values["country"] for row in rows})  # before the write
    result = trainees_upsert_many(actor=actor, rows=rows, dry_run=dry_run, file_name=file_name,
                                  session=session)
    kept = set(result.kept_as_stored)
    report.outcomes = [
        RowOutcome(row.key, action, trainee.email,
                   partial(_row_preview, row) if row.key in kept else partial(_preview, trainee), changes)
        for row, (action, trainee, changes) in zip(rows, result.rows)
    ]
    if kept:
        report.notes.append(ngettext(
            "%(count)d trainee is already registered by the hub for another session: they are brought into "
            "this one as the hub holds them, and what the file says of them is not applied.",
            "%(count)d trainees are already registered by the hub for other sessions: they are brought into "
            "this one as the hub holds them, and what the file says of them is not applied.",
            len(kept)) % {"count": len(kept)})
    if new_countries:
        report.notes.append(_("Countries new to the hub: %(countries)s.") % {
            "countries": ", ".join(f"{country} ({country.code})" for country in new_countries)})
    if result.new_organisations:
        report.notes.append(_("New organisations: %(names)s.") % {
            "names": ", ".join(sorted(o.name for o in result.new_organisations))})
    report.problems += [Problem(1, "", message) for message in result.problems]
    return report


def _labelled(cells: dict[str, str]) -> dict[str, str]:
    return {str(column.label): cells.get(column.field) or "" for column in TRAINEE_COLUMNS}


def _preview(trainee: Trainee) -> dict[str, str]:
    return _labelled({
        "email": trainee.email, "given_name": trainee.given_name, "family_name": trainee.family_name,
        "country": trainee.country.name, "organisation": trainee.organisation.name if trainee.organisation else "",
        "job_title": trainee.job_title, "category": str(TraineeCategory(trainee.category).label),
        "native_name": trainee.native_name, "phone": trainee.phone,
    })


def _row_preview(row: TraineeImportRow) -> dict[str, str]:
    """What the file says of a trainee whose stored record the importer may not show."""
    values = row.values
    category = values.get("category")
    return _labelled({
        **values, "email": row.email, "country": values["country"].name,
        "organisation": values.get("organisation_name"),
        "category": str(TraineeCategory(category).label) if category else "",
    })
