"""Writes on countries, organisations and trainees. Each validates, saves and leaves an audit entry."""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import available_timezones

from django.conf import settings

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from hubportal import access
from hubportal.audit.services import audit_record, model_create, model_delete, model_update
from hubportal.importing import Action, bulk_update_rows, chunks
from hubportal.users.services import login_address_set

from .models import Country, IncomeClassification, IncomeGroup, Organisation, OrganisationKind, Trainee, TraineeCategory


def normalise_email(email: str) -> str:
    """Emails are compared ignoring case and surrounding spaces; store them that way too."""
    return (email or "").strip().lower()


def _one_line(name: str) -> str:
    return " ".join((name or "").split())


@transaction.atomic
def organisation_get_or_create(*, actor, name: str, country: Country, kind: str) -> tuple[Organisation, bool]:
    """Find an organisation by name (ignoring case) in a country, or create it.

    Raises PermissionDenied unless the actor is hub staff (organisations are reference data; those
    a coordinator's trainee file names are created by trainees_upsert_many), ValidationError when
    the kind is not one of OrganisationKind.
    """
    access.require(actor, access.Action.ADD, Organisation)
    existing = Organisation.objects.filter(country=country, name__iexact=_one_line(name)).first()
    if existing:
        return existing, False
    return organisation_create(actor=actor, name=name, country=country, kind=kind), True


@transaction.atomic
def organisation_create(*, actor, name: str, country: Country, kind: str) -> Organisation:
    """Add an organisation of a country.

    Raises PermissionDenied unless the actor is hub staff, ValidationError when the country has one
    of that name already (ignoring case) or the kind is not one of OrganisationKind.
    """
    access.require(actor, access.Action.ADD, Organisation)
    return model_create(actor=actor, instance=Organisation(name=_one_line(name), country=country, kind=kind),
                        action="organisation.create")


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **changes) -> Organisation:
    """Change an organisation's name, country or kind; records what changed from what to what.

    Raises PermissionDenied unless the actor is hub staff, ValidationError for a name its country
    has already, TypeError for another field.
    """
    access.require(actor, access.Action.CHANGE, organisation)
    if "name" in changes:
        changes["name"] = _one_line(changes["name"])
    return model_update(actor=actor, instance=organisation, changes=changes, action="organisation.update",
                        updatable={"name", "country", "kind"})


@transaction.atomic
def organisation_delete(*, actor, organisation: Organisation) -> None:
    """Delete an organisation. Raises PermissionDenied unless the actor is hub staff,
    ProtectedError while trainees or visits name it."""
    access.require(actor, access.Action.DELETE, organisation)
    model_delete(actor=actor, instance=organisation, action="organisation.delete")


@transaction.atomic
def trainee_create(
    *,
    actor,
    given_name: str,
    family_name: str,
    email: str,
    country: Country,
    category: str,
    organisation: Organisation | None = None,
    job_title: str = "",
    native_name: str = "",
    phone: str = "",
    user=None,
    **profile,
) -> Trainee:
    """Register a trainee; `profile` may give the fields of PROFILE_FIELDS too (staff filling them in).

    Raises PermissionDenied unless the actor is hub staff (a coordinator brings trainees in by
    importing them into their session), ValidationError for a missing field, an invalid email, or
    an email that another trainee already has in any letter case, TypeError for another field.
    """
    access.require(actor, access.Action.ADD, Trainee)
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Not fields of a trainee's profile: {', '.join(sorted(unknown))}")
    trainee = _new_trainee(given_name=given_name, family_name=family_name, email=email, country=country,
                           category=category, organisation=organisation, job_title=job_title,
                           native_name=native_name, phone=phone, user=user)
    for name, value in profile.items():
        setattr(trainee, name, value)
    return model_create(actor=actor, instance=trainee, action="trainee.create")


def _new_trainee(*, given_name: str, family_name: str, email: str, country: Country, category: str,
                 organisation: Organisation | None = None, job_title: str = "", native_name: str = "",
                 phone: str = "", user=None) -> Trainee:
    """A new trainee as stored, unsaved: trimmed names, the email as normalise_email gives it."""
    return Trainee(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        email=normalise_email(email),
        country=country,
        category=category,
        organisation=organisation,
        job_title=job_title.strip(),
        native_name=native_name.strip(),
        phone=phone.strip(),
        user=user,
    )


_GOVERNMENT_KINDS = {OrganisationKind.REGULATORY_AUTHORITY, OrganisationKind.MINISTRY,
                     OrganisationKind.PUBLIC_HEALTH_INSTITUTE}


def trainee_default_category(*, country: Country, organisation: Organisation | None) -> str:
    """The category of a trainee nobody categorised: Korean industry for the host country, LMIC
    government staff for a regulator, ministry or public-health institute, else LMIC production."""
    if country.is_host:
        return TraineeCategory.KOREA_INDUSTRY
    if organisation is not None and organisation.kind in _GOVERNMENT_KINDS:
        return TraineeCategory.LMIC_GOVERNMENT
    return TraineeCategory.LMIC_PRODUCTION


_UPDATABLE = {
    "given_name", "family_name", "native_name", "email", "phone", "country", "organisation",
    "job_title", "category", "user", "preferred_name", "dietary_needs", "accessibility_needs",
    "emergency_contact", "time_zone", "language",
}


@transaction.atomic
def trainee_update(*, actor, trainee: Trainee, **changes) -> Trainee:
    """Change some of a trainee's fields; records which fields changed from what to what.

    Raises PermissionDenied unless the trainee is the actor's (hub staff: every one; a coordinator:
    those enrolled in their sessions), ValidationError on invalid values or for an anonymised trainee,
    TypeError on a field that cannot be changed.
    """
    access.require(actor, access.Action.CHANGE, trainee)
    _refuse_anonymised(trainee)
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    old_email = trainee.email
    trainee = model_update(actor=actor, instance=trainee, changes=changes, action="trainee.update",
                           updatable=_UPDATABLE)
    if trainee.email != old_email and trainee.user_id:
        # The login is the record's address: staff corrected it, so the account signs in with it.
        login_address_set(user=trainee.user, email=trainee.email)
    return trainee


@transaction.atomic
def trainee_email_follow_login(*, user, email: str) -> Trainee | None:
    """The trainee record of `user` takes `email`, which they made their login on the email page (a
    verified address: hubportal.users.views.PortalEmailView). Audited as the trainee's own change; None
    when the account has no trainee record."""
    trainee = Trainee.objects.filter(user=user).first()
    email = normalise_email(email)
    if trainee is None or trainee.is_anonymised or trainee.email == email:
        return trainee
    return model_update(actor=user, instance=trainee, changes={"email": email}, action="trainee.email_change",
                        updatable={"email"})


def _refuse_anonymised(trainee: Trainee) -> None:
    if trainee.is_anonymised:
        raise ValidationError(_("This trainee's personal data was erased at their request; the record is not "
                                "filled in again."))


# What a trainee corrects on their own profile page. Their names as in the passport, email, country and
# organisation stay with the hub's staff (trainee_update).
PROFILE_FIELDS = ["preferred_name", "native_name", "phone", "dietary_needs", "accessibility_needs",
                  "emergency_contact", "time_zone", "language"]


@transaction.atomic
def trainee_profile_update(*, actor, trainee: Trainee, **changes) -> Trainee:
    """Change the fields of PROFILE_FIELDS, as the trainee does on their profile page (or staff for them);
    the audit trail keeps what changed from what to what.

    Raises PermissionDenied unless the trainee is the actor's own (or the actor may change them: hub
    staff, their session's coordinator), ValidationError for a time zone or language the portal does
    not know, TypeError for another field.
    """
    access.require(actor, access.Action.EDIT_PROFILE, trainee)
    _refuse_anonymised(trainee)
    problems = {}
    if changes.get("time_zone") and changes["time_zone"] not in available_timezones():
        problems["time_zone"] = _("“%(value)s” is not a time zone.") % {"value": changes["time_zone"]}
    if changes.get("language") and changes["language"] not in dict(settings.LANGUAGES):
        problems["language"] = _("“%(value)s” is not one of the portal's languages.") % {"value": changes["language"]}
    if problems:
        raise ValidationError(problems)
    for name in ("preferred_name", "native_name", "phone", "emergency_contact"):
        if name in changes:
            changes[name] = _one_line(changes[name])
    return model_update(actor=actor, instance=trainee, changes=changes, action="trainee.profile_update",
                        updatable=set(PROFILE_FIELDS))


@transaction.atomic
def trainee_calendar_renew(*, actor, trainee: Trainee) -> str:
    """Give the trainee a new private calendar address (/calendar/<token>.ics); the old one stops working.

    Raises PermissionDenied unless the trainee is the actor's own (or hub staff's).
    """
    access.require(actor, access.Action.EDIT_PROFILE, trainee)
    trainee.calendar_token = secrets.token_urlsafe(24)
    Trainee.objects.filter(pk=trainee.pk).update(calendar_token=trainee.calendar_token)
    audit_record(actor=actor, action="trainee.calendar_renew", target=trainee)
    return trainee.calendar_token


@dataclass(frozen=True)
class IncomeGroupChange:
    country: Country
    old: str  # an IncomeGroup value, "" for unclassified
    new: str

    @staticmethod
    def label(value: str) -> str:
        return str(IncomeGroup(value).label) if value else _("unclassified")

    def __str__(self):
        return f"{self.country} ({self.country.alpha3}): {self.label(self.old)} → {self.label(self.new)}"


@transaction.atomic
def countries_apply_income_classification(
    *, actor, rows: Mapping[str, str], fiscal_year: int, source: str, dry_run: bool = False
) -> list[IncomeGroupChange]:
    """Set the World Bank income group of each country in `rows` ({ISO alpha-3: IncomeGroup value,
    "" for unclassified}) and record `fiscal_year` as the classification in force. Countries not in
    `rows` keep theirs. One audit entry per changed country; with `dry_run`, only the changes.

    Raises PermissionDenied unless the actor is hub staff, ValidationError for an alpha-3 code that
    is not a country of the table, an income group outside IncomeGroup, or a fiscal year older than
    the classification already in force.
    """
    access.require(actor, access.Action.CHANGE, Country)
    latest = IncomeClassification.objects.order_by("-fiscal_year").first()
    if latest is not None and fiscal_year < latest.fiscal_year:
        raise ValidationError(_("FY%(year)s is older than the classification in force (FY%(latest)s); "
                                "nothing was changed.") % {"year": fiscal_year, "latest": latest.fiscal_year})
    unknown_groups = sorted({group for group in rows.values() if group and group not in IncomeGroup.values})
    if unknown_groups:
        raise ValidationError(_("Not income groups: %(groups)s.") % {"groups": ", ".join(unknown_groups)})
    countries = {c.alpha3: c for c in Country.objects.select_for_update().filter(alpha3__in=list(rows))}
    unknown_codes = sorted(set(rows) - set(countries))
    if unknown_codes:
        raise ValidationError(_("No country has the ISO alpha-3 code %(codes)s.") % {"codes": ", ".join(unknown_codes)})
    changes = [IncomeGroupChange(country, country.income_group, rows[alpha3])
               for alpha3, country in countries.items() if country.income_group != rows[alpha3]]
    changes.sort(key=lambda change: change.country.name)
    if dry_run:
        return changes
    for change in changes:
        change.country.income_group = change.new
    Country.objects.bulk_update([change.country for change in changes], ["income_group"])
    classification, _created = IncomeClassification.objects.update_or_create(
        fiscal_year=fiscal_year, defaults={"source": source[:255]})
    for change in changes:
        audit_record(actor=actor, action="country.income_group", target=change.country,
                     changes={"income_group": [change.old, change.new]}, fiscal_year=fiscal_year, source=source)
    audit_record(actor=actor, action="income_classification.apply", target=classification,
                 source=source, changed=len(changes), listed=len(rows))
    return changes


# --- Bulk writes: what the trainee import writes, under the rules of the services above ----------


@dataclass(slots=True)
class TraineeImportRow:
    """One row of a trainee import, its cells cleaned. A field left out of `values` keeps its value."""

    key: object  # the caller's handle on the row: an importer's row number
    email: str
    # given_name, family_name, native_name, job_title, phone, category (a TraineeCategory), country
    # (a Country) and organisation_name (found or created in that country)
    values: dict


@dataclass
class TraineesUpsert:
    """What trainees_upsert_many did (or, in a dry run, would do). With a problem, nothing was written."""

    # One per row given, in order: (hubportal.importing.Action, the trainee, {field: (old, new)} as text).
    rows: list[tuple[str, Trainee, dict[str, tuple[str, str]]]]
    new_organisations: list[Organisation]
    problems: list[str]
    # The keys of the rows that matched a trainee the actor may not see (a coordinator's file naming
    # someone of another session): that trainee is left exactly as stored, whatever the row says.
    kept_as_stored: list = field(default_factory=list)


# The fields a row may set on a trainee it finds (as trainee_update may), besides country and organisation.
_IMPORTED = ("given_name", "family_name", "native_name", "job_title", "category", "phone")
_IMPORT_WRITES = (*_IMPORTED, "country_id", "organisation_id", "updated_at")


def _text(value) -> str:
    return "" if value is None else str(value)


def trainees_upsert_many(
    *, actor, rows: list[TraineeImportRow], dry_run: bool = False, file_name: str = "", session=None
) -> TraineesUpsert:
    """Create or update trainees by email, ignoring case, and create the organisations they name,
    as trainee_create, trainee_update and organisation_get_or_create would one by one: a field a
    row leaves out keeps its value, an organisation is matched by name ignoring case within the
    trainee's country, and a new trainee without a category gets trainee_default_category's. Writes
    in a constant number of queries, with one audit entry.

    Problems, returned with nothing written: someone else added one of these trainees or
    organisations while this was being written. With `dry_run`, nothing is written either.

    A coordinator's file may name a trainee who is only in another session (someone they nominate
    again): that trainee is matched, so that the caller can enrol them, but their record is neither
    changed nor read back (outcome UNCHANGED, key listed in `kept_as_stored`).

    Raises PermissionDenied unless the actor may import into `session`, the course session the
    file's trainees are brought into (hub staff and the system: any, or none; a coordinator: one of
    theirs), checked once for the file. The organisations the file names are created under that
    check: a coordinator's import may bring in new ones, though the organisation services are hub
    staff's.
    """
    access.require_session(actor, access.Action.IMPORT, session)
    # Not atomic as a whole: the IntegrityError of a race is caught outside the write's transaction,
    # which a transaction around it would leave broken.
    emails = [normalise_email(row.email) for row in rows]
    existing = {}
    everything = access.scope_of(actor).everything
    others: set[str] = set()  # emails of trainees the actor may not see: matched, never changed
    for part in chunks(emails):
        found = Trainee.objects.filter(email__in=part)
        existing.update((t.email, t) for t in found)
        if not everything:
            mine = access.visible(actor, found).values("pk")
            others.update(found.exclude(pk__in=mine).values_list("email", flat=True))
    organisations = {(o.country_id, o.lname): o for o in Organisation.objects.annotate(lname=Lower("name"))}
    new_organisations: dict[tuple, Organisation] = {}
    outcomes, to_create, to_update, matched_elsewhere = [], [], [], []
    for row, email in zip(rows, emails):
        values = row.values
        country = values["country"]
        organisation = None
        if "organisation_name" in values:
            name = _one_line(values["organisation_name"])
            key = (country.pk, name.lower())
            organisation = organisations.get(key) or new_organisations.get(key)
            if organisation is None:
                organisation = Organisation(name=name, country=country, kind=OrganisationKind.OTHER)
                new_organisations[key] = organisation
        trainee = existing.get(email)
        if trainee is None:
            trainee = _new_trainee(
                email=email, given_name=values["given_name"], family_name=values["family_name"],
                native_name=values.get("native_name", ""), country=country, organisation=organisation,
                job_title=values.get("job_title", ""), phone=values.get("phone", ""),
                category=values.get("category") or trainee_default_category(country=country, organisation=organisation),
            )
            to_create.append(trainee)
            outcomes.append((Action.CREATE, trainee, {}))
            continue
        if email in others:
            # A trainee of another session: the file brings them into the actor's session (the
            # caller enrols them), but a coordinator neither reads nor changes their record.
            outcomes.append((Action.UNCHANGED, trainee, {}))
            matched_elsewhere.append(row.key)
            continue
        changes = {}
        for name in _IMPORTED:
            if name in values and getattr(trainee, name) != values[name]:
                changes[name] = (_text(getattr(trainee, name)), _text(values[name]))
                setattr(trainee, name, values[name])
        if trainee.country_id != country.pk:
            changes["country"] = (trainee.country.name, country.name)
            trainee.country = country
        # Compared by id, so that no trainee's organisation is read; a new one has none yet.
        if organisation is not None and (organisation.pk is None or trainee.organisation_id != organisation.pk):
            changes["organisation"] = (_text(trainee.organisation), organisation.name)
            trainee.organisation = organisation
        if changes:
            to_update.append(trainee)
        outcomes.append((Action.UPDATE if changes else Action.UNCHANGED, trainee, changes))
    result = TraineesUpsert(outcomes, list(new_organisations.values()), [], matched_elsewhere)
    if dry_run:
        return result
    try:
        with transaction.atomic():
            Organisation.objects.bulk_create(result.new_organisations)
            now = timezone.now()
            for trainee in to_update:
                # Assigning again copies the id bulk_create gave a new organisation into organisation_id.
                trainee.organisation = trainee.organisation
                trainee.updated_at = now
            Trainee.objects.bulk_create(to_create)
            bulk_update_rows(Trainee, to_update, _IMPORT_WRITES)
            audit_record(actor=actor, action="trainees.import", target=None, file=file_name,
                         created=len(to_create), updated=len(to_update),
                         unchanged=len(rows) - len(to_create) - len(to_update),
                         kept_as_stored=len(matched_elsewhere),
                         organisations_created=len(new_organisations))
    except IntegrityError:
        result.problems.append(_("Someone else added one of these trainees or organisations while this file was "
                                 "being imported; nothing was written. Import it again."))
    return result


# --- Reference data and records edited in the admin --------------------------------------------


@transaction.atomic
def trainee_delete(*, actor, trainee: Trainee) -> None:
    """Delete a trainee. Raises PermissionDenied unless the actor is hub staff, ProtectedError while
    the trainee has enrolments."""
    access.require(actor, access.Action.DELETE, trainee)
    model_delete(actor=actor, instance=trainee, action="trainee.delete")


_COUNTRY_FIELDS = {"code", "alpha3", "name", "who_membership", "who_region", "income_group", "is_host"}


@transaction.atomic
def country_create(
    *,
    actor,
    code: str,
    alpha3: str,
    name: str,
    who_membership: str = "",
    who_region: str = "",
    income_group: str = "",
    is_host: bool = False,
) -> Country:
    """Add a country or territory (ISO 3166 gives the hub every one already; this is for a new one).

    Raises PermissionDenied unless the actor is hub staff, ValidationError for a code, alpha-3 code
    or name another country has, or a second host.
    """
    access.require(actor, access.Action.ADD, Country)
    country = Country(code=code, alpha3=alpha3, name=name, who_membership=who_membership,
                      who_region=who_region, income_group=income_group, is_host=is_host)
    return model_create(actor=actor, instance=country, action="country.create")


@transaction.atomic
def country_update(*, actor, country: Country, **changes) -> Country:
    """Change a country's codes, name, WHO membership and region, income group or host flag.

    Raises PermissionDenied unless the actor is hub staff, ValidationError as country_create does,
    TypeError for a field that is not a country's.
    """
    access.require(actor, access.Action.CHANGE, country)
    return model_update(actor=actor, instance=country, changes=changes, action="country.update",
                        updatable=_COUNTRY_FIELDS)


@transaction.atomic
def country_delete(*, actor, country: Country) -> None:
    """Delete a country. Raises PermissionDenied unless the actor is hub staff, ProtectedError while
    trainees or organisations are of it."""
    access.require(actor, access.Action.DELETE, country)
    model_delete(actor=actor, instance=country, action="country.delete")
