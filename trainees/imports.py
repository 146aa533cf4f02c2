"""Coordinators' import of trainees (and their organisations) from a nomination list."""

from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hubportal.audit.services import audit_record
from hubportal.importing import Action, Column, ImportReport, Problem, RowOutcome, bulk_update_rows, chunks, match_columns
from hubportal.tabular import Table, normalise_header

from .countries import CountryResolver
from .models import Organisation, OrganisationKind, Trainee, TraineeCategory
from .services import normalise_email

TRAINEE_COLUMNS = (
    Column("email", gettext_lazy("Email"), ("E-mail", "Email address", "E-mail address", "Mail", "이메일", "전자우편", "메일"),
           required=True),
    Column("given_name", gettext_lazy("Given name"), ("First name", "Given names", "Forename", "First", "이름"), required=True),
    Column("family_name", gettext_lazy("Family name"), ("Surname", "Last name", "Family", "Last", "성"), required=True),
    Column("country", gettext_lazy("Country"), ("Country code", "Nationality", "Country of origin", "국가", "국적", "나라"),
           required=True),
    Column("organisation", gettext_lazy("Organisation"), ("Organization", "Institution", "Company", "Employer", "Affiliation",
                                                "소속기관", "소속", "기관", "회사")),
    Column("job_title", gettext_lazy("Job title"), ("Position", "Title", "Role", "Designation", "직위", "직책", "직급")),
    Column("category", gettext_lazy("Category"), ("Trainee category", "Type", "구분")),
    Column("native_name", gettext_lazy("Native name"), ("Name in native script", "Native-script name", "Local name",
                                              "Name (native)", "한글 이름", "한글이름", "한글 성명", "성명")),
    Column("phone", gettext_lazy("Phone"), ("Telephone", "Mobile", "Phone number", "Tel", "전화번호", "연락처", "휴대폰")),
)
# The passport name is in Latin script; these are what Trainee allows.
MAX_LENGTHS = {"given_name": 100, "family_name": 100, "native_name": 200, "organisation": 200, "job_title": 200,
               "phone": 40, "email": 254}
# What coordinators write in the category column, beside the choices' own values and labels.
CATEGORY_SPELLINGS = {
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
}
for _choice in TraineeCategory:
    CATEGORY_SPELLINGS[normalise_header(_choice.value)] = _choice
    CATEGORY_SPELLINGS[normalise_header(str(_choice.label))] = _choice

_GOVERNMENT_KINDS = {OrganisationKind.REGULATORY_AUTHORITY, OrganisationKind.MINISTRY,
                     OrganisationKind.PUBLIC_HEALTH_INSTITUTE}
# The fields an import may change on an existing trainee; organisation is compared by id.
_COMPARED = ("given_name", "family_name", "native_name", "country_id", "organisation_id", "job_title", "category",
             "phone", "updated_at")


@dataclass
class TraineeRow:
    row: int
    email: str
    values: dict  # field -> cleaned value, only for the cells that hold something
    org_key: tuple | None = None  # (country id, lower-case organisation name)


def _clean_rows(table: Table, positions: dict[str, int], headers: list[str], report: ImportReport):
    resolver = CountryResolver()
    seen: dict[str, int] = {}
    rows: list[TraineeRow] = []
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
            category = CATEGORY_SPELLINGS.get(normalise_header(cell["category"]))
            if category is None:
                problem("category", _("“%(value)s” is not a category (use %(choices)s).") % {
                    "value": cell["category"], "choices": ", ".join(str(c.label) for c in TraineeCategory)})
            else:
                values["category"] = category
        if cell.get("organisation"):
            values["organisation_name"] = " ".join(cell["organisation"].split())
        if len(report.problems) == problems_before:
            rows.append(TraineeRow(number, email, values))
    return rows


def _default_category(values: dict, organisation: Organisation | None) -> str:
    if values["country"].is_host:
        return TraineeCategory.KOREA_INDUSTRY
    if organisation is not None and organisation.kind in _GOVERNMENT_KINDS:
        return TraineeCategory.LMIC_GOVERNMENT
    return TraineeCategory.LMIC_PRODUCTION


def _countries_new_to_the_hub(countries: set) -> list:
    """The countries, among these, that no trainee comes from yet; by name in the active language."""
    present = set(Trainee.objects.filter(country__in=countries).values_list("country", flat=True).distinct())
    return sorted((c for c in countries if c.pk not in present), key=lambda c: str(c))


def _display(value) -> str:
    return "" if value is None else str(value)


def trainees_import(*, actor, table: Table, dry_run: bool, file_name: str = "", session=None) -> ImportReport:
    """Create or update the trainees of a file, and their organisations; all of the file or nothing.

    The email (ignoring case and surrounding spaces) identifies a trainee: a known one is updated
    where a cell differs, and a blank cell leaves the field as it is. Every problem is reported with
    its row and column; with any problem, or with `dry_run`, nothing is written. `session`, when
    given, is handled by the caller (cohorts), which enrols the file's trainees after this.
    """
    report = ImportReport(dry_run=dry_run, columns=[str(c.label) for c in TRAINEE_COLUMNS])
    headers = list(table.headers)
    positions, report.problems = match_columns(headers, TRAINEE_COLUMNS, table.header_row)
    if report.problems:
        return report
    rows = _clean_rows(table, positions, headers, report)
    if report.problems:
        return report

    existing = {}
    emails = [row.email for row in rows]
    for part in chunks(emails):
        existing.update((t.email, t) for t in Trainee.objects.filter(email__in=part))
    organisations = {
        (o.country_id, o.lname): o for o in Organisation.objects.annotate(lname=Lower("name"))
    }
    new_organisations: dict[tuple, Organisation] = {}
    to_create: list[Trainee] = []
    to_update: list[Trainee] = []
    for row in rows:
        values = row.values
        organisation = None
        if "organisation_name" in values:
            key = (values["country"].pk, values["organisation_name"].lower())
            organisation = organisations.get(key) or new_organisations.get(key)
            if organisation is None:
                organisation = Organisation(name=values["organisation_name"], country=values["country"],
                                            kind=OrganisationKind.OTHER)
                new_organisations[key] = organisation
            row.org_key = key
        trainee = existing.get(row.email)
        if trainee is None:
            trainee = Trainee(
                email=row.email,
                given_name=values["given_name"],
                family_name=values["family_name"],
                native_name=values.get("native_name", ""),
                country=values["country"],
                organisation=organisation,
                job_title=values.get("job_title", ""),
                category=values.get("category") or _default_category(values, organisation),
                phone=values.get("phone", ""),
            )
            to_create.append(trainee)
            outcome = RowOutcome(row.row, Action.CREATE, row.email, partial(_preview, trainee))
        else:
            wanted = {name: values[name] for name in ("given_name", "family_name", "native_name", "job_title",
                                                        "category", "phone") if name in values}
            changes = {}
            for name, value in wanted.items():
                if getattr(trainee, name) != value:
                    changes[name] = (_display(getattr(trainee, name)), _display(value))
                    setattr(trainee, name, value)
            if trainee.country_id != values["country"].pk:
                changes["country"] = (trainee.country.name, values["country"].name)
                trainee.country = values["country"]
            if organisation is not None and (organisation.pk is None or trainee.organisation_id != organisation.pk):
                changes["organisation"] = (_display(trainee.organisation), organisation.name)
                trainee.organisation = organisation
            action = Action.UPDATE if changes else Action.UNCHANGED
            if changes:
                to_update.append(trainee)
            outcome = RowOutcome(row.row, action, row.email, partial(_preview, trainee), changes)
        report.outcomes.append(outcome)
    new_countries = _countries_new_to_the_hub({row.values["country"] for row in rows})
    if new_countries:
        report.notes.append(_("Countries new to the hub: %(countries)s.") % {
            "countries": ", ".join(f"{country} ({country.code})" for country in new_countries)})
    if new_organisations:
        report.notes.append(_("New organisations: %(names)s.") % {
            "names": ", ".join(sorted(o.name for o in new_organisations.values()))})
    if dry_run:
        return report
    try:
        with transaction.atomic():
            Organisation.objects.bulk_create(new_organisations.values())
            now = timezone.now()
            for trainee in to_update:
                # Assigning again copies the id bulk_create gave a new organisation into organisation_id.
                trainee.organisation = trainee.organisation
                trainee.updated_at = now
            Trainee.objects.bulk_create(to_create)
            bulk_update_rows(Trainee, to_update, _COMPARED)
            audit_record(actor=actor, action="trainees.import", target=None, file=file_name,
                         created=report.created, updated=report.updated, unchanged=report.unchanged,
                         organisations_created=len(new_organisations))
    except IntegrityError:
        report.problems.append(Problem(1, "", _("Someone else added one of these trainees or organisations while "
                                                "this file was being imported; nothing was written. Import it again.")))
    return report


def _preview(trainee: Trainee) -> dict[str, str]:
    return {
        str(TRAINEE_COLUMNS[0].label): trainee.email,
        str(TRAINEE_COLUMNS[1].label): trainee.given_name,
        str(TRAINEE_COLUMNS[2].label): trainee.family_name,
        str(TRAINEE_COLUMNS[3].label): trainee.country.name,
        str(TRAINEE_COLUMNS[4].label): trainee.organisation.name if trainee.organisation else "",
        str(TRAINEE_COLUMNS[5].label): trainee.job_title,
        str(TRAINEE_COLUMNS[6].label): str(TraineeCategory(trainee.category).label),
        str(TRAINEE_COLUMNS[7].label): trainee.native_name,
        str(TRAINEE_COLUMNS[8].label): trainee.phone,
    }
