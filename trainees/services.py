"""Writes on countries, organisations and trainees. Each validates, saves and leaves an audit entry."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hubportal.audit.services import audit_record

from .models import Country, IncomeClassification, IncomeGroup, Organisation, Trainee


def normalise_email(email: str) -> str:
    """Emails are compared ignoring case and surrounding spaces; store them that way too."""
    return (email or "").strip().lower()


@transaction.atomic
def organisation_get_or_create(*, actor, name: str, country: Country, kind: str) -> tuple[Organisation, bool]:
    """Find an organisation by name (ignoring case) in a country, or create it.

    Raises ValidationError when the kind is not one of OrganisationKind.
    """
    name = " ".join(name.split())
    existing = Organisation.objects.filter(country=country, name__iexact=name).first()
    if existing:
        return existing, False
    organisation = Organisation(name=name, country=country, kind=kind)
    organisation.full_clean()
    organisation.save()
    audit_record(actor=actor, action="organisation.create", target=organisation)
    return organisation, True


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
) -> Trainee:
    """Register a trainee.

    Raises ValidationError for a missing field, an invalid email, or an email that another trainee
    already has in any letter case.
    """
    trainee = Trainee(
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
    trainee.full_clean()
    trainee.save()
    audit_record(actor=actor, action="trainee.create", target=trainee, email=trainee.email)
    return trainee


_UPDATABLE = {
    "given_name", "family_name", "native_name", "email", "phone", "country", "organisation",
    "job_title", "category", "user",
}


@transaction.atomic
def trainee_update(*, actor, trainee: Trainee, **changes) -> Trainee:
    """Change some of a trainee's fields; records which fields changed from what to what.

    Raises ValidationError on invalid values and TypeError on a field that cannot be changed.
    """
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise TypeError(f"Fields that cannot be changed here: {', '.join(sorted(unknown))}")
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
    changed = {}
    for field, value in changes.items():
        old = getattr(trainee, field)
        if old != value:
            changed[field] = [str(old) if old is not None else None, str(value) if value is not None else None]
            setattr(trainee, field, value)
    if not changed:
        return trainee
    trainee.full_clean()
    trainee.save()
    audit_record(actor=actor, action="trainee.update", target=trainee, changes=changed)
    return trainee


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

    Raises ValidationError for an alpha-3 code that is not a country of the table, an income group
    outside IncomeGroup, or a fiscal year older than the classification already in force.
    """
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
