"""Writes on countries, organisations and trainees. Each validates, saves and leaves an audit entry."""

from django.db import transaction

from hubportal.audit.services import audit_record

from .models import Country, Organisation, Trainee


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
